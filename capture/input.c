/* input.c - packets into the analyzer: pcap and pcapng files (libpcap),
 * several at once merged by timestamp, "-" for stdin, and live capture.
 *
 * Timestamps are asked for in nanoseconds (libpcap scales microsecond files),
 * so times are exact whatever the file's resolution. Every error is one line
 * naming the file, and the packet number when the file breaks mid-way; the
 * analyzer keeps what it read before, so the caller can still report it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ana.h"

/* The classic pcap format (not pcapng) of a regular file is read here in
 * large blocks instead of through libpcap's two freads per packet: that is
 * where a reader spends its time on headers-only captures. The format is
 * libpcap's savefile(5): a 24-byte header (magic a1b2c3d4 for microseconds,
 * a1b23c4d for nanoseconds, either byte order), then 16-byte record headers.
 * pcapng, standard input and BPF filters go through libpcap. */
#define RD_BLOCK (4u << 20)
#define RD_MAXPKT 262144u /* libpcap's MAXIMUM_SNAPLEN */

struct rd {
	int fd;
	uint8_t *buf;
	size_t len, pos, cap;
	bool swap, eof, mapped;
	size_t dropped;   /* mapped: bytes before this were given back */
	struct pcap_pkthdr h;
};

#define RD_DROP (8u << 20) /* give mapped pages back every 8 MiB: RSS stays small */

static uint32_t rd_u32(const struct rd *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

/* Make n bytes available at r->pos; false at end of file. */
static bool rd_fill(struct rd *r, size_t n)
{
	if (r->len - r->pos >= n)
		return true;
	if (r->eof || r->mapped)
		return false;
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->len -= r->pos;
	r->pos = 0;
	while (r->len < n && !r->eof) {
		if (r->len == r->cap)
			break; /* cannot happen: the buffer holds a block plus any packet */
		ssize_t k = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r->eof = true;
			break;
		}
		r->len += (size_t)k;
	}
	return r->len - r->pos >= n;
}

struct src {
	pcap_t *p;          /* libpcap path */
	struct rd *rd;      /* classic pcap path */
	const char *name;
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t ts, num;
	int dlt;
	bool done, nano;
	off_t size;
	char rerr[256];
};

static uint64_t ts_of(const struct src *s, const struct pcap_pkthdr *h)
{
	uint64_t sub = (uint64_t)h->ts.tv_usec;
	return (uint64_t)h->ts.tv_sec * NS_PER_S + (s->nano ? sub : sub * 1000);
}

/* Next packet of the classic reader: 1, 0 at the end, -1 on error (s->rerr). */
static int rd_next(struct src *s)
{
	struct rd *r = s->rd;
	if (!rd_fill(r, 16)) {
		if (r->len - r->pos) {
			snprintf(s->rerr, sizeof(s->rerr), "truncated dump file; tried to read 16 header bytes, only got %zu",
				 r->len - r->pos);
			return -1;
		}
		return 0;
	}
	const uint8_t *p = r->buf + r->pos;
	uint32_t caplen = rd_u32(r, p + 8), len = rd_u32(r, p + 12);
	if (caplen > RD_MAXPKT) {
		snprintf(s->rerr, sizeof(s->rerr), "invalid packet capture length %u, bigger than maximum of %u", caplen,
			 RD_MAXPKT);
		return -1;
	}
	if (!rd_fill(r, 16 + (size_t)caplen)) {
		snprintf(s->rerr, sizeof(s->rerr), "truncated dump file; tried to read %u captured bytes, only got %zu",
			 caplen, r->len - r->pos - 16);
		return -1;
	}
	p = r->buf + r->pos;
	if (r->mapped && r->pos - r->dropped >= RD_DROP) {
		/* pages already read are of no more use: unmap them from us (they
		 * stay in the page cache), so the peak RSS does not grow with the file */
		size_t upto = r->pos & ~(size_t)(RD_DROP - 1);
		madvise(r->buf + r->dropped, upto - r->dropped, MADV_DONTNEED);
		r->dropped = upto;
	}
	r->h.ts.tv_sec = (time_t)rd_u32(r, p);
	r->h.ts.tv_usec = (suseconds_t)rd_u32(r, p + 4);
	r->h.caplen = caplen;
	r->h.len = len < caplen ? caplen : len;
	s->h = &r->h;
	s->d = p + 16;
	r->pos += 16 + (size_t)caplen;
	return 1;
}

static int linktype_to_dlt(uint32_t lt)
{
	lt &= 0x03ffffff; /* upper bits: FCS length, not the type */
	return lt == 101 ? CAP_DLT_RAW : (int)lt; /* LINKTYPE_RAW */
}

/* Try the classic reader on a regular file: 1 taken, 0 not classic pcap
 * (use libpcap), -1 error. */
static int rd_open(struct src *s, const char *name, char *err, size_t errlen)
{
	uint8_t h[24];
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	ssize_t k = read(fd, h, sizeof(h));
	uint32_t magic;
	memcpy(&magic, h, 4);
	bool swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	bool nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if (k != (ssize_t)sizeof(h) || !(swap || nano || magic == 0xa1b2c3d4u)) {
		close(fd);
		return 0;
	}
	struct rd *r = calloc(1, sizeof(*r));
	struct stat st;
	size_t cap = RD_BLOCK + RD_MAXPKT + 16;
	/* a regular file is mapped: no copy at all */
	if (r && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 24 &&
	    (uint64_t)st.st_size < (uint64_t)SIZE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->fd = fd;
			r->buf = m;
			r->len = r->cap = (size_t)st.st_size;
			r->pos = r->dropped = 24;
			r->mapped = r->eof = true;
			r->swap = swap;
			s->rd = r;
			s->nano = nano;
			s->dlt = linktype_to_dlt(rd_u32(r, h + 20));
			return 1;
		}
	}
	if (fstat(fd, &st) == 0 && st.st_size >= 0 && (uint64_t)st.st_size < cap)
		cap = (size_t)st.st_size + 16; /* small files: no packet is larger than the file */
	if (r) {
		r->buf = malloc(cap);
		r->cap = cap;
	}
	if (!r || !r->buf) {
		if (r)
			free(r);
		close(fd);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r->fd = fd;
	r->swap = swap;
	s->rd = r;
	s->nano = nano;
	s->dlt = linktype_to_dlt(rd_u32(r, h + 20));
	return 1;
}

static void rd_close(struct rd *r)
{
	if (!r)
		return;
	close(r->fd);
	if (r->mapped)
		munmap(r->buf, r->cap);
	else
		free(r->buf);
	free(r);
}

static const char *dlt_label(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);
	return n ? n : "unknown";
}

static int set_filter(pcap_t *p, const char *name, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	if (!filter)
		return 0;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s: bad filter '%s': %s", name, filter, pcap_geterr(p));
		return EINVAL;
	}
	int r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot set filter: %s", name, pcap_geterr(p));
		return EINVAL;
	}
	return 0;
}

/* pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html
 * 4.2): libpcap scales a fraction of an if_tsresol of 2^-n to nanoseconds as
 * frac * 10^9 / 2^n in 64 bits, which wraps for n > 34, silently. The
 * interfaces described before the first packet are checked here (those of
 * a later section are not: libpcap does not say which interface a packet
 * came from). Returns 0, or EINVAL with err set. */
static int ng_check_tsresol(const char *name, char *err, size_t errlen)
{
	FILE *f = fopen(name, "rb");
	uint8_t h[12], b[4096];
	bool swap = false;
	int rc = 0;

	if (!f)
		return 0; /* libpcap says why */
	for (unsigned blocks = 0; !rc && blocks < 64 && fread(h, 1, 12, f) == 12; blocks++) {
		uint32_t type, len, magic;
		memcpy(&type, h, 4);
		memcpy(&magic, h + 8, 4);
		if (type == 0x0a0d0d0au)
			swap = magic == 0x4d3c2b1au;
		if (swap)
			type = __builtin_bswap32(type);
		memcpy(&len, h + 4, 4);
		if (swap)
			len = __builtin_bswap32(len);
		if (len < 12 || len % 4 || type == 2 || type == 3 || type == 6)
			break; /* a packet, or something libpcap will complain about */
		/* the block's rest: body after its first 4 bytes, and the trailing length */
		size_t rest = len - 12, m = rest < sizeof(b) - 4 ? rest : sizeof(b) - 4, n = 4 + m;
		memcpy(b, h + 8, 4);
		if (fread(b + 4, 1, m, f) != m || (rest > m && fseek(f, (long)(rest - m), SEEK_CUR)))
			break;
		if (type == 1) {
			/* IDB: linktype, reserved, snaplen, then options (code, length, value) */
			for (size_t o = 8; o + 4 <= n;) {
				uint16_t code = (uint16_t)(swap ? b[o] << 8 | b[o + 1] : b[o] | b[o + 1] << 8);
				uint16_t olen = (uint16_t)(swap ? b[o + 2] << 8 | b[o + 3] : b[o + 2] | b[o + 3] << 8);
				if (code == 0 || o + 4 + olen > n)
					break;
				if (code == 9 && olen >= 1 && (b[o + 4] & 0x80) && (b[o + 4] & 0x7f) > 34) {
					snprintf(err, errlen, "%s: if_tsresol 2^-%u: libpcap's conversion to nanoseconds "
						 "wraps beyond 2^-34; convert the file (editcap -F pcap) first",
						 name, b[o + 4] & 0x7f);
					rc = EINVAL;
				}
				o += 4 + ((olen + 3u) & ~3u);
			}
		}
	}
	fclose(f);
	return rc;
}

static int open_src(struct src *s, const char *name, const char *filter, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->name = name;
	if (!strcmp(name, "-")) {
		s->p = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_NANO, ebuf);
		s->name = "(stdin)";
	} else {
		if (stat(name, &st) != 0) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			return errno ? errno : EIO;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory, not a capture file", name);
			return EISDIR;
		}
		if (S_ISREG(st.st_mode) && st.st_size == 0) {
			snprintf(err, errlen, "%s: empty file (0 bytes), not a pcap or pcapng capture", name);
			return EINVAL;
		}
		s->size = S_ISREG(st.st_mode) ? st.st_size : 0;
		if (!filter && S_ISREG(st.st_mode)) {
			int k = rd_open(s, name, err, errlen);
			if (k < 0)
				return EIO;
			if (k > 0)
				goto opened;
		}
		if (S_ISREG(st.st_mode) && ng_check_tsresol(name, err, errlen))
			return EINVAL;
		s->p = pcap_open_offline_with_tstamp_precision(name, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	}
	if (!s->p) {
		if (strstr(ebuf, "unknown file format") || strstr(ebuf, "bad dump file format"))
			snprintf(err, errlen, "%s: not a pcap or pcapng capture (%s)", s->name, ebuf);
		else if (strstr(ebuf, "truncated"))
			snprintf(err, errlen, "%s: truncated capture file header (%s)", s->name, ebuf);
		else
			snprintf(err, errlen, "%s: %s", s->name, ebuf);
		return EINVAL;
	}
	s->nano = pcap_get_tstamp_precision(s->p) == PCAP_TSTAMP_PRECISION_NANO;
	s->dlt = pcap_datalink(s->p);
opened:
	if (!cap_dlt_supported(s->dlt)) {
		snprintf(err, errlen, "%s: link type %s (%d) is not supported (Ethernet, Linux cooked, raw IP, "
			 "BSD loopback are)", s->name, dlt_label(s->dlt), s->dlt);
		return ENOTSUP;
	}
	return s->p ? set_filter(s->p, s->name, filter, err, errlen) : 0;
}

static void close_src(struct src *s)
{
	if (s->p)
		pcap_close(s->p);
	rd_close(s->rd);
	s->p = NULL;
	s->rd = NULL;
}

static void read_error(const struct src *s, const char *e, char *err, size_t errlen)
{
	if (strstr(e, "truncated"))
		snprintf(err, errlen, "%s: packet %" PRIu64 ": file ends in the middle of a packet (%s)", s->name,
			 s->num + 1, e);
	else
		snprintf(err, errlen, "%s: packet %" PRIu64 ": %s", s->name, s->num + 1, e);
}

/* A timestamp is nanoseconds since 1970 that also fit a signed 64-bit
 * number (attribution computes differences): up to the year 2262. libpcap
 * adds a pcapng if_tsoffset and divides by if_tsresol in 64-bit unsigned
 * arithmetic and hands over whatever wrapped (an offset of 2^62 s became
 * time 0); such a time is refused here with the packet's number. */
#define TS_MAX_SEC (INT64_MAX / (int64_t)NS_PER_S - 1)

static bool ts_ok(const struct src *s, const struct pcap_pkthdr *h)
{
	return h->ts.tv_sec >= 0 && (int64_t)h->ts.tv_sec <= TS_MAX_SEC && h->ts.tv_usec >= 0 &&
	       h->ts.tv_usec < (s->nano ? 1000000000 : 1000000);
}

/* Read the next packet of s; false at its end or on error (err set). */
static bool src_next(struct src *s, char *err, size_t errlen, int *rc)
{
	int r = s->rd ? rd_next(s) : pcap_next_ex(s->p, &s->h, &s->d);
	if (r == 1 && !ts_ok(s, s->h)) {
		snprintf(err, errlen, "%s: packet %" PRIu64 ": timestamp out of range (%lld s %ld %s): a pcapng "
			 "if_tsoffset or if_tsresol that libpcap cannot convert without wrapping, or a broken header",
			 s->name, s->num + 1, (long long)s->h->ts.tv_sec, (long)s->h->ts.tv_usec, s->nano ? "ns" : "us");
		*rc = EINVAL;
		s->done = true;
		return false;
	}
	if (r == 1) {
		s->num++;
		s->ts = ts_of(s, s->h);
		return true;
	}
	s->done = true;
	if (r == -1) {
		read_error(s, s->rd ? s->rerr : pcap_geterr(s->p), err, errlen);
		*rc = EIO;
	}
	return false;
}

struct progress {
	bool on;
	uint64_t total, next_ns;
};

static void progress_show(struct progress *pg, struct src *v, unsigned n, uint64_t packets, bool last)
{
	uint64_t now = (uint64_t)time(NULL) * NS_PER_S;
	if (!pg->on || (!last && now < pg->next_ns))
		return;
	pg->next_ns = now + NS_PER_S;
	uint64_t done = 0;
	for (unsigned i = 0; i < n; i++) {
		off_t pos = 0;
		if (v[i].rd)
			pos = v[i].rd->mapped ? (off_t)v[i].rd->pos : lseek(v[i].rd->fd, 0, SEEK_CUR);
		else if (v[i].p && pcap_file(v[i].p))
			pos = ftello(pcap_file(v[i].p));
		done += v[i].done ? (uint64_t)v[i].size : (pos > 0 ? (uint64_t)pos : 0);
	}
	if (last)
		fprintf(stderr, "\r%*s\r", 60, "");
	else
		fprintf(stderr, "\rnfscap: %3.0f%% of %.0f MB, %" PRIu64 " packets ",
			100.0 * (double)done / (double)pg->total, (double)pg->total / 1e6, packets);
}

int cap_read_files(struct cap_ana *a, const char *const *files, unsigned n, const struct cap_input_opts *io,
		   char *err, size_t errlen)
{
	struct src *v = calloc(n ? n : 1, sizeof(*v));
	struct progress pg = {0};
	int rc = 0;
	uint64_t packets = 0;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	unsigned nstdin = 0;
	for (unsigned i = 0; i < n; i++)
		nstdin += !strcmp(files[i], "-");
	if (nstdin > 1) {
		snprintf(err, errlen, "-: standard input can be read only once");
		free(v);
		return EINVAL;
	}
	for (unsigned i = 0; i < n && !rc; i++) {
		rc = open_src(&v[i], files[i], io ? io->filter : NULL, err, errlen);
		pg.total += (uint64_t)v[i].size;
	}
	pg.on = !rc && io && io->progress && pg.total > 100u * 1000 * 1000 && isatty(2);
	if (!rc && n == 1) {
		/* one file: nothing to merge */
		struct src *s = &v[0];
		while (src_next(s, err, errlen, &rc)) {
			cap_ana_packet(a, s->dlt, s->ts, s->d, s->h->caplen, s->h->len);
			if (pg.on && !(s->num & 0x3ffff))
				progress_show(&pg, v, n, s->num, false);
		}
	} else if (!rc) {
		/* several files: merge by timestamp (rotated files follow each other,
		 * files from several interfaces interleave) */
		for (unsigned i = 0; i < n && !rc; i++)
			src_next(&v[i], err, errlen, &rc);
		while (!rc) {
			struct src *best = NULL;
			for (unsigned i = 0; i < n; i++)
				if (!v[i].done && (!best || v[i].ts < best->ts))
					best = &v[i];
			if (!best)
				break;
			cap_ana_packet(a, best->dlt, best->ts, best->d, best->h->caplen, best->h->len);
			packets++;
			if (pg.on && !(packets & 0x3ffff))
				progress_show(&pg, v, n, packets, false);
			src_next(best, err, errlen, &rc);
		}
	}
	if (pg.on)
		progress_show(&pg, v, n, packets, true);
	for (unsigned i = 0; i < n; i++)
		close_src(&v[i]);
	free(v);
	return rc;
}

/* One file a packet at a time, for a caller that steps several files with
 * an analyzer each (nfscap attribute joins the RPCs of its vantage points as
 * it reads them). The next packet is always read ahead: its time is known. */
struct cap_src {
	struct src s;
};

int cap_src_open(struct cap_src **out, const char *file, char *err, size_t errlen)
{
	struct cap_src *c = calloc(1, sizeof(*c));
	int rc = 0;
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	if ((rc = open_src(&c->s, file, NULL, err, errlen)) == 0)
		src_next(&c->s, err, errlen, &rc);
	if (rc) {
		cap_src_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

bool cap_src_peek(const struct cap_src *c, uint64_t *ts)
{
	*ts = c->s.ts;
	return !c->s.done;
}

int cap_src_feed(struct cap_src *c, struct cap_ana *a, char *err, size_t errlen)
{
	struct src *s = &c->s;
	int rc = 0;
	if (s->done)
		return 0;
	cap_ana_packet(a, s->dlt, s->ts, s->d, s->h->caplen, s->h->len);
	src_next(s, err, errlen, &rc);
	return rc;
}

void cap_src_close(struct cap_src *c)
{
	if (c)
		close_src(&c->s);
	free(c);
}

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NS_PER_S + (uint64_t)t.tv_nsec;
}

int cap_read_live(struct cap_ana *a, const char *iface, const char *filter, uint64_t duration_ns, int snaplen,
		  volatile int *stop, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct src s;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.name = iface;
	s.p = pcap_create(iface, ebuf);
	if (!s.p) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		return EINVAL;
	}
	pcap_set_snaplen(s.p, snaplen);
	pcap_set_promisc(s.p, 0);
	pcap_set_timeout(s.p, 100); /* hand over buffered packets at least this often */
	pcap_set_buffer_size(s.p, 64 << 20);
	pcap_set_tstamp_precision(s.p, PCAP_TSTAMP_PRECISION_NANO);
	int r = pcap_activate(s.p);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot capture: %s", iface, pcap_geterr(s.p));
		pcap_close(s.p);
		return EPERM;
	}
	s.nano = pcap_get_tstamp_precision(s.p) == PCAP_TSTAMP_PRECISION_NANO;
	s.dlt = pcap_datalink(s.p);
	if (!cap_dlt_supported(s.dlt)) {
		snprintf(err, errlen, "%s: link type %s (%d) is not supported", iface, dlt_label(s.dlt), s.dlt);
		pcap_close(s.p);
		return ENOTSUP;
	}
	if ((rc = set_filter(s.p, iface, filter, err, errlen))) {
		pcap_close(s.p);
		return rc;
	}
	/* Non-blocking reads and our own poll: with TPACKET_V3 a blocking
	 * pcap_next_ex waits in poll() with no timeout until a packet comes, so
	 * on a quiet link neither the clock nor a signal would ever be looked
	 * at. Our poll wakes at least every 100 ms, and a signal interrupts it. */
	int fd = pcap_get_selectable_fd(s.p);
	if (fd < 0 || pcap_setnonblock(s.p, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: cannot read without blocking: %s", iface, fd < 0 ? "no descriptor" : ebuf);
		pcap_close(s.p);
		return EIO;
	}
	uint64_t t0 = mono_ns();
	while (!*stop) {
		struct pcap_pkthdr *h;
		const u_char *d;
		uint64_t el = mono_ns() - t0;
		if (duration_ns && el >= duration_ns)
			break;
		r = pcap_next_ex(s.p, &h, &d);
		if (r == 1) {
			cap_ana_packet(a, s.dlt, ts_of(&s, h), d, h->caplen, h->len);
		} else if (r == 0) {
			uint64_t wait = 100000000ull;
			if (duration_ns && duration_ns - el < wait)
				wait = duration_ns - el;
			struct pollfd pf = {fd, POLLIN, 0};
			poll(&pf, 1, (int)((wait + 999999) / 1000000)); /* EINTR: the loop looks at *stop */
		} else if (r == PCAP_ERROR_BREAK) {
			break;
		} else {
			snprintf(err, errlen, "%s: %s", iface, pcap_geterr(s.p));
			rc = EIO;
			break;
		}
	}
	struct pcap_stat ps;
	if (!rc && pcap_stats(s.p, &ps) == 0 && ps.ps_drop)
		snprintf(err, errlen, "%s: %u packets dropped by the kernel (results may have gaps)", iface,
			 ps.ps_drop);
	pcap_close(s.p);
	return rc;
}
