/* main.c - nfscap's command line: `report` over capture files, `live` on an
 * interface, `attribute` across the captures of several vantage points
 * (attr.c), and `synth` to write the synthetic test captures. Only this
 * file exits; everything it calls returns errors. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "attr.h"
#include "rpccap.h"
#include "cap.h"
#include "cfg.h"
#include "err.h"
#include "out.h"

#define VERSION "1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfscap report FILE... [--json] [--html OUT.html] [--per-rpc FILE.csv]\n"
		"                     [--port N]... [--filter BPF] [--no-progress]\n"
		"       nfscap live -i IFACE [--filter BPF] [--duration 30s] [--snaplen N]\n"
		"                     [--json] [--html OUT.html] [--per-rpc FILE.csv] [--port N]...\n"
		"       nfscap attribute [--app TRACE] --vantage POINT=FILE... [--offset POINT=DUR]...\n"
		"                     [--json] [--html OUT.html] [--per-rpc FILE.csv]\n"
		"                     where each millisecond goes: guest, host, wire, server\n"
		"                     (nfscap attribute --help)\n"
		"       nfscap capture -i IFACE -w FILE [--filter BPF] [--duration D] [--port N]...\n"
		"                     RPC-aware capture: every record's header and timing, no payload\n"
		"       nfscap synth DIR     write the synthetic test captures into DIR\n"
		"       nfscap synth --load clean|syn|conns|noreply|collide N FILE   a load capture (make bench)\n"
		"       nfscap synth --attr N DIR   N RPCs at four points and a trace, for attribute (make bench)\n"
		"       nfscap --help | --version\n"
		"\n"
		"NFS (v3, v4.0, v4.1, v4.2) latency from pcap/pcapng captures, exact on headers-only\n"
		"(tcpdump -s 200) and GSO/GRO captures: RPC records are located by TCP sequence numbers.\n"
		"FILE may be '-' for standard input; several files are merged by time.\n"
		"  --json           the report as JSON (schema nfscap/1)\n"
		"  --html F         also write a self-contained HTML report with inline SVG plots\n"
		"  --per-rpc F      one CSV line per RPC: the four times, exchange and srt ('-': on\n"
		"                   standard output, instead of the report)\n"
		"  --port N         only these ports carry RPC (default: 2049 and any port where RPC\n"
		"                   headers are recognised)\n"
		"  --filter BPF     a libpcap filter applied before the analysis\n");
}

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

enum { O_JSON = 256, O_HTML, O_PERRPC, O_PORT, O_FILTER, O_NOPROG, O_DURATION, O_SNAPLEN };

static const struct option lopts[] = {
	{"json", no_argument, NULL, O_JSON},
	{"html", required_argument, NULL, O_HTML},
	{"per-rpc", required_argument, NULL, O_PERRPC},
	{"port", required_argument, NULL, O_PORT},
	{"filter", required_argument, NULL, O_FILTER},
	{"no-progress", no_argument, NULL, O_NOPROG},
	{"duration", required_argument, NULL, O_DURATION},
	{"snaplen", required_argument, NULL, O_SNAPLEN},
	{"interface", required_argument, NULL, 'i'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct args {
	bool json, progress, live;
	const char *html, *per_rpc, *filter, *iface;
	uint64_t duration_ns;
	int snaplen;
	struct cap_opts o;
};

static int parse_args(int argc, char **argv, struct args *g)
{
	int c;
	char e[256];
	uint64_t v;

	g->progress = true;
	g->snaplen = 512; /* RPC and NFS headers, not the data */
	optind = 1;
	while ((c = getopt_long(argc, argv, "hi:", lopts, NULL)) != -1) {
		switch (c) {
		case O_JSON: g->json = true; break;
		case O_HTML: g->html = optarg; break;
		case O_PERRPC: g->per_rpc = optarg; break;
		case O_FILTER: g->filter = optarg; break;
		case O_NOPROG: g->progress = false; break;
		case 'i': g->iface = optarg; break;
		case 'h': usage(stdout); exit(0);
		case O_PORT: {
			uint64_t p;
			if (parse_u64(optarg, 1, 65535, &p, NULL, 0)) {
				err_msg("--port: '%s' is not a port number (1..65535)", optarg);
				return 2;
			}
			if (g->o.nports == CAP_MAX_PORTS) {
				err_msg("--port: at most %d ports", CAP_MAX_PORTS);
				return 2;
			}
			g->o.ports[g->o.nports++] = (uint16_t)p;
			break;
		}
		case O_DURATION:
			if (parse_duration(optarg, &g->duration_ns, e, sizeof(e))) {
				err_msg("--duration: %s", e);
				return 2;
			}
			break;
		case O_SNAPLEN:
			if (parse_size(optarg, &v, e, sizeof(e)) || v < 64 || v > 262144) {
				err_msg("--snaplen: '%s' must be 64..262144 bytes", optarg);
				return 2;
			}
			g->snaplen = (int)v;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

static int cmd_synth(int argc, char **argv)
{
	char e[512];
	uint64_t n;
	if (argc == 5 && !strcmp(argv[1], "--load")) {
		if (parse_size(argv[3], &n, e, sizeof(e))) {
			err_msg("synth --load: count: %s", e);
			return 2;
		}
		if (cap_synth_load(argv[4], argv[2], n, e, sizeof(e))) {
			err_msg("%s", e);
			return 1;
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--attr")) {
		if (parse_size(argv[2], &n, e, sizeof(e))) {
			err_msg("synth --attr: count: %s", e);
			return 2;
		}
		if (cap_synth_attr(argv[3], n, e, sizeof(e))) {
			err_msg("%s", e);
			return 1;
		}
		return 0;
	}
	if (argc != 2) {
		err_msg("usage: nfscap synth DIR | nfscap synth --load clean|syn|conns|noreply|collide N FILE | "
			"nfscap synth --attr N DIR");
		return 2;
	}
	if (cap_synth_all(argv[1], e, sizeof(e))) {
		err_msg("%s", e);
		return 1;
	}
	return 0;
}

/* `nfscap bare FILE`: the floor for any libpcap reader, a loop of
 * pcap_next_ex doing nothing (the benchmark's anchor). */
static int cmd_bare(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t n = 0, bytes = 0;
	int r;

	if (argc != 2) {
		err_msg("usage: nfscap bare FILE");
		return 2;
	}
	pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p) {
		err_msg("%s: %s", argv[1], ebuf);
		return 1;
	}
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		bytes += h->caplen; /* touch the header so the loop is not optimised away */
	}
	pcap_close(p);
	printf("%" PRIu64 " packets %" PRIu64 " bytes\n", n, bytes);
	return r == PCAP_ERROR ? 1 : 0;
}

static int run(int argc, char **argv, bool live)
{
	struct args g;
	struct cap_ana *a = NULL;
	struct out *o = NULL;
	FILE *csv = NULL;
	char e[1024] = "";
	int rc, status = 0;

	memset(&g, 0, sizeof(g));
	if ((rc = parse_args(argc, argv, &g)))
		return rc;
	const char *const *files = (const char *const *)argv + optind;
	unsigned nfiles = (unsigned)(argc - optind);
	if (live) {
		if (!g.iface) {
			err_msg("live: give an interface with -i IFACE");
			return 2;
		}
		if (nfiles) {
			err_msg("live: unexpected argument '%s'", files[0]);
			return 2;
		}
	} else if (!nfiles) {
		err_msg("report: give one or more capture files ('-' for standard input)");
		return 2;
	}
	if (g.per_rpc) {
		csv = strcmp(g.per_rpc, "-") ? fopen(g.per_rpc, "w") : stdout;
		if (!csv) {
			err_msg("%s: %s", g.per_rpc, strerror(errno));
			return 1;
		}
		g.o.per_rpc = csv;
	}
	if (cap_ana_new(&a, &g.o)) {
		err_msg("out of memory");
		return 1;
	}
	if (live) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		rc = cap_read_live(a, g.iface, g.filter, g.duration_ns, g.snaplen, &stop_flag, e, sizeof(e));
		if (!rc && e[0])
			err_warn("%s", e);
		files = (const char *const *)&g.iface;
		nfiles = 1;
	} else {
		struct cap_input_opts io = {g.progress, g.filter};
		rc = cap_read_files(a, files, nfiles, &io, e, sizeof(e));
	}
	if (rc) {
		err_msg("%s", e);
		status = 1;
	}
	struct cap_summary s;
	cap_ana_summary(a, &s);
	/* results so far, unless nothing at all was read */
	/* with --per-rpc - standard output is the CSV: no report there */
	bool show = (!rc || s.packets) && csv != stdout;
	if (show && out_new(&o, g.json ? OUT_JSON : OUT_TEXT, stdout, "nfscap/1")) {
		err_msg("out of memory");
		status = 1;
	} else if (show) {
		cap_report(a, o, files, nfiles);
		if (out_finish(o)) {
			err_msg("writing the report: %s", strerror(errno));
			status = 1;
		}
		o = NULL;
	}
	if (!rc || s.packets) {
		cap_ana_finish(a);
		if (g.html) {
			FILE *f = fopen(g.html, "w");
			int hr = f ? cap_html(a, f, files, nfiles) : errno;
			if (f && fclose(f) && !hr)
				hr = errno;
			if (hr) {
				err_msg("%s: cannot write the HTML report: %s", g.html, strerror(errno));
				status = 1;
			}
		}
	}
	if (csv && csv != stdout && fclose(csv)) {
		err_msg("%s: %s", g.per_rpc, strerror(errno));
		status = 1;
	}
	cap_ana_free(a);
	return status;
}

int main(int argc, char **argv)
{
	err_set_prog("nfscap");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("nfscap " VERSION "\n");
		return 0;
	}
	if (!strcmp(argv[1], "report"))
		return run(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "live"))
		return run(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "bare"))
		return cmd_bare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "capture"))
		return rc_command(argc - 1, argv + 1);
	if (!strcmp(argv[1], "synth"))
		return cmd_synth(argc - 1, argv + 1);
	if (!strcmp(argv[1], "attribute"))
		return at_command(argc - 1, argv + 1);
	err_msg("unknown command '%s' (report, live, attribute, capture, synth; see --help)", argv[1]);
	return 2;
}
