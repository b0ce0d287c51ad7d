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
#include "cli.h"
#include "err.h"
#include "out.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfscap COMMAND [options]   (nfscap COMMAND --help for each)\n"
		"commands:\n"
		"  report FILE...      NFS latency and TCP health from pcap/pcapng captures\n"
		"  live -i IFACE       the same report from a live interface\n"
		"  attribute           where each millisecond goes: guest, host, wire, server,\n"
		"                      across the captures of several vantage points\n"
		"  capture -i IFACE -w FILE   RPC-aware capture: every record's header and\n"
		"                      timing, no payload\n"
		"  synth DIR           write the synthetic test captures into DIR\n"
		"\n"
		"NFS (v3, v4.0, v4.1, v4.2) latency from pcap/pcapng captures, exact on headers-only\n"
		"(tcpdump -s 200) and GSO/GRO captures: RPC records are located by TCP sequence numbers.\n");
	cli_help_tail(f, CAP_EXITS);
}

/* report and live share their options; the help says which apply. */
static void usage_report(FILE *f, bool live)
{
	if (live)
		fprintf(f, "usage: nfscap live -i IFACE [--filter BPF] [--duration D] [--snaplen N]\n"
			   "                  [--json] [--html OUT.html] [--per-rpc FILE.csv] [--port N]...\n"
			   "The report of nfscap report, from packets captured on IFACE until --duration\n"
			   "has passed or Ctrl-C.\n"
			   "  -i, --interface IFACE   the interface to capture on (needs CAP_NET_RAW)\n"
			   "  --duration D        stop after D (e.g. 30s, 5m; default: at Ctrl-C)\n"
			   "  --snaplen N         bytes kept of each packet (default 512: the headers)\n");
	else
		fprintf(f, "usage: nfscap report FILE... [--json] [--html OUT.html] [--per-rpc FILE.csv]\n"
			   "                     [--port N]... [--filter BPF] [--no-progress]\n"
			   "Per-operation NFS latency, RPC and TCP health from pcap/pcapng captures.\n"
			   "FILE may be '-' for standard input; several files are merged by time.\n"
			   "  --no-progress       no progress line on stderr for large files\n");
	fprintf(f, "  --json              the report as JSON (schema nfscap/1)\n"
		   "  --html F            also write a self-contained HTML report with inline SVG plots\n"
		   "                      ('-': on standard output, instead of the report)\n"
		   "  --per-rpc F         one CSV line per RPC: the four times, exchange and srt ('-': on\n"
		   "                      standard output, instead of the report)\n"
		   "  --port N            only these ports carry RPC (default: 2049 and any port where RPC\n"
		   "                      headers are recognised)\n"
		   "  --filter BPF        a libpcap filter applied before the analysis\n"
		   "  --allow-empty       no RPC found is not an error (exit 0, nothing on stderr)\n");
	cli_help_tail(f, CAP_EXITS);
}

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

enum { O_JSON = 256, O_HTML, O_PERRPC, O_PORT, O_FILTER, O_NOPROG, O_DURATION, O_SNAPLEN, O_VERSION, O_EMPTY };

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
	{"version", no_argument, NULL, O_VERSION},
	{"allow-empty", no_argument, NULL, O_EMPTY},
	{NULL, 0, NULL, 0},
};

struct args {
	bool json, progress, live, allow_empty;
	const char *html, *per_rpc, *filter, *iface;
	uint64_t duration_ns;
	int snaplen;
	struct cap_opts o;
};

/* Returns 0, an exit code, or -1 after --help or --version (exit 0). */
static int parse_args(int argc, char **argv, struct args *g)
{
	const char *cmd = g->live ? "live" : "report";
	int c;
	char e[256];
	uint64_t v;

	g->progress = true;
	g->snaplen = 512; /* RPC and NFS headers, not the data */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hi:", lopts, NULL)) != -1) {
		switch (c) {
		case O_JSON: g->json = true; break;
		case O_HTML: g->html = optarg; break;
		case O_PERRPC: g->per_rpc = optarg; break;
		case O_FILTER: g->filter = optarg; break;
		case O_NOPROG: g->progress = false; break;
		case O_EMPTY: g->allow_empty = true; break;
		case 'i': g->iface = optarg; break;
		case 'h': usage_report(stdout, g->live); return -1;
		case O_VERSION: cli_version(); return -1;
		case O_PORT: {
			uint64_t p;
			if (parse_u64(optarg, 1, 65535, &p, NULL, 0))
				return cli_usage_error(cmd, "--port: '%s' is not a port number (1..65535)", optarg);
			if (g->o.nports == CAP_MAX_PORTS)
				return cli_usage_error(cmd, "--port: at most %d ports", CAP_MAX_PORTS);
			g->o.ports[g->o.nports++] = (uint16_t)p;
			break;
		}
		case O_DURATION:
			if (parse_duration(optarg, &g->duration_ns, e, sizeof(e)))
				return cli_usage_error(cmd, "--duration: %s", e);
			break;
		case O_SNAPLEN:
			if (parse_size(optarg, &v, e, sizeof(e)) || v < 64 || v > 262144)
				return cli_usage_error(cmd, "--snaplen: '%s' must be 64..262144 bytes", optarg);
			g->snaplen = (int)v;
			break;
		default:
			return cli_bad_option(cmd, argv, c);
		}
	}
	return 0;
}

static int cmd_synth(int argc, char **argv)
{
	char e[512];
	uint64_t n;
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: nfscap synth DIR\n"
		       "       nfscap synth --load clean|syn|conns|noreply|collide N FILE\n"
		       "       nfscap synth --attr N DIR\n"
		       "Writes the synthetic captures of tests/pcaps into DIR, or one load capture\n"
		       "for the benchmarks (make bench) into FILE, or N RPCs seen at four points\n"
		       "and an application trace (for nfscap attribute's benchmark) into DIR.\n");
		cli_help_tail(stdout, CAP_EXITS);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version"))
		return cli_version();
	if (argc == 5 && !strcmp(argv[1], "--load")) {
		if (parse_size(argv[3], &n, e, sizeof(e)))
			return cli_usage_error("synth", "--load: count: %s", e);
		if (cap_synth_load(argv[4], argv[2], n, e, sizeof(e))) {
			err_msg("%s", e);
			return 1;
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--attr")) {
		if (parse_size(argv[2], &n, e, sizeof(e)))
			return cli_usage_error("synth", "--attr: count: %s", e);
		if (cap_synth_attr(argv[3], n, e, sizeof(e))) {
			err_msg("%s", e);
			return 1;
		}
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("synth", "give DIR, --load KIND N FILE or --attr N DIR");
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

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: nfscap bare FILE\n"
		       "Reads FILE with libpcap and does nothing else: the benchmarks' floor.\n");
		cli_help_tail(stdout, CAP_EXITS);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version"))
		return cli_version();
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("bare", "give one capture FILE");
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

/* No RPC at all in what was read: the likely reasons, most specific
 * first, as one line for stderr. */
static void no_rpc_why(const struct cap_summary *s, const struct args *g, char *buf, size_t n)
{
	size_t k = 0;
#define WHY(...) (k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s", k ? "; " : ""), \
		  k += (size_t)snprintf(buf + k, k < n ? n - k : 0, __VA_ARGS__))
	if (!s->packets && g->filter) {
		WHY("no packet passed --filter '%s'", g->filter);
	} else if (!s->packets) {
		WHY("%s", g->live ? "no packet arrived (is NFS traffic on this interface?)"
				  : "the capture holds no packets (check the capture's filter and interface)");
	} else {
		if (g->filter)
			WHY("--filter '%s' may drop the RPC packets", g->filter);
		if (g->o.nports) {
			char ports[128] = "";
			size_t m = 0;
			for (unsigned i = 0; i < g->o.nports && m < sizeof(ports); i++)
				m += (size_t)snprintf(ports + m, sizeof(ports) - m, "%s%u", i ? "," : "", g->o.ports[i]);
			WHY("only --port %s is taken as RPC: is NFS on another port?", ports);
		}
		uint64_t cut = 0;
		for (int l = CAP_L_LINK; l <= CAP_L_RPC; l++)
			cut += s->layer[l][CAP_TRUNC];
		if (cut)
			WHY("%llu packets end before their RPC header: the snaplen is too small (capture with "
			    "tcpdump -s 200 or more)", (unsigned long long)cut);
		if (s->not_ip + s->not_tcpudp >= s->packets)
			WHY("none of the %llu packets is TCP or UDP over IP", (unsigned long long)s->packets);
		else if (!g->filter && !g->o.nports && !cut)
			WHY("nothing on port 2049 or that looks like ONC RPC: if NFS runs on another port, "
			    "give it with --port");
	}
#undef WHY
}

static int run(int argc, char **argv, bool live)
{
	struct args g;
	struct cap_ana *a = NULL;
	struct out *o = NULL;
	FILE *csv = NULL, *html = NULL;
	char e[1024] = "";
	int rc, status = 0;

	memset(&g, 0, sizeof(g));
	g.live = live;
	if ((rc = parse_args(argc, argv, &g)))
		return rc < 0 ? 0 : rc;
	const char *const *files = (const char *const *)argv + optind;
	unsigned nfiles = (unsigned)(argc - optind);
	if (live) {
		if (!g.iface)
			return cli_usage_error("live", "give an interface with -i IFACE");
		if (nfiles)
			return cli_usage_error("live", "unexpected argument '%s'", files[0]);
	} else if (!nfiles) {
		return cli_usage_error("report", "give one or more capture files ('-' for standard input)");
	}
	const char *cmd = live ? "live" : "report";
	if (g.per_rpc && g.html && !strcmp(g.per_rpc, "-") && !strcmp(g.html, "-"))
		return cli_usage_error(cmd, "--per-rpc - and --html - cannot both have standard output");
	/* outputs first: a typo in a path fails before a long read */
	if (g.per_rpc) {
		if (!(csv = cli_open_out("--per-rpc", g.per_rpc)))
			return 1;
		g.o.per_rpc = csv;
	}
	if (g.html && !(html = cli_open_out("--html", g.html))) {
		if (csv && csv != stdout)
			fclose(csv);
		return 1;
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
	bool show = (!rc || s.packets) && csv != stdout && html != stdout;
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
		if (html) {
			int hr = cap_html(a, html, files, nfiles, e[0] ? e : NULL);
			if (html != stdout ? fclose(html) && !hr : fflush(html) && !hr)
				hr = errno;
			html = NULL;
			if (hr) {
				err_msg("%s: cannot write the HTML report: %s", g.html, strerror(hr));
				status = 1;
			}
		}
	}
	if (html && html != stdout)
		fclose(html);
	if (csv && csv != stdout && fclose(csv)) {
		err_msg("%s: %s", g.per_rpc, strerror(errno));
		status = 1;
	}
	if (!rc && !s.calls && !s.replies && !g.allow_empty) {
		char why[768];
		no_rpc_why(&s, &g, why, sizeof(why));
		fflush(stdout); /* after the report, in a log that holds both */
		err_msg("no RPC found in %s%s: %s (--allow-empty makes this exit 0)", live ? "the packets of " : "",
			nfiles == 1 ? files[0] : "the captures", why);
		if (!status)
			status = 3;
	}
	cap_ana_free(a);
	return status;
}

int main(int argc, char **argv)
{
	err_set_prog("nfscap");
	if (argc < 2)
		return cli_usage_error(NULL, "give a command: report, live, attribute, capture or synth");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cli_version();
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
	return cli_usage_error(NULL, "unknown command '%s' (report, live, attribute, capture, synth)", argv[1]);
}
