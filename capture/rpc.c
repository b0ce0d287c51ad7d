/* rpc.c - ONC RPC and NFS decoding from the first bytes of a record.
 *
 * Follows RFC 5531 (ONC RPC v2, record marking in section 11), RFC 2203
 * (RPCSEC_GSS wrapping), RFC 1813 (NFSv3), RFC 7530 (NFSv4.0), RFC 8881
 * (NFSv4.1), RFC 7862 (NFSv4.2 ops) and RFC 8276 (xattr ops). Only what the
 * analyzer needs is decoded: procedure, status, READ/WRITE/COMMIT offsets and
 * counts, and the op list of a COMPOUND. Every read is bounds-checked; a
 * message that runs out of bytes is TRUNCATED when the record goes on (the
 * capture or our header buffer stopped), INVALID when the record itself
 * ends. Lengths are checked against protocol maxima before any skip.
 */
#include <string.h>

#include "cap.h"

#define MAX_AUTH 400     /* RFC 5531: opaque_auth body <400> */
#define NFS3_FHSIZE 64
#define NFS4_FHSIZE 128
#define MAX_TAG 1024     /* no RFC limit; real tags are short */
#define MAX_NAME 4096
#define MAX_BITMAP 16

static const char *const v3_names[CAP_OP_V3_N] = {
	"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE",
	"CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK",
	"READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
};

static const char *const v4_names[CAP_V4_NOPS] = {
	[3] = "ACCESS", "CLOSE", "COMMIT", "CREATE", "DELEGPURGE", "DELEGRETURN",
	"GETATTR", "GETFH", "LINK", "LOCK", "LOCKT", "LOCKU", "LOOKUP", "LOOKUPP",
	"NVERIFY", "OPEN", "OPENATTR", "OPEN_CONFIRM", "OPEN_DOWNGRADE", "PUTFH",
	"PUTPUBFH", "PUTROOTFH", "READ", "READDIR", "READLINK", "REMOVE", "RENAME",
	"RENEW", "RESTOREFH", "SAVEFH", "SECINFO", "SETATTR", "SETCLIENTID",
	"SETCLIENTID_CONFIRM", "VERIFY", "WRITE", "RELEASE_LOCKOWNER",
	/* 4.1 */
	"BACKCHANNEL_CTL", "BIND_CONN_TO_SESSION", "EXCHANGE_ID", "CREATE_SESSION",
	"DESTROY_SESSION", "FREE_STATEID", "GET_DIR_DELEGATION", "GETDEVICEINFO",
	"GETDEVICELIST", "LAYOUTCOMMIT", "LAYOUTGET", "LAYOUTRETURN", "SECINFO_NO_NAME",
	"SEQUENCE", "SET_SSV", "TEST_STATEID", "WANT_DELEGATION", "DESTROY_CLIENTID",
	"RECLAIM_COMPLETE",
	/* 4.2 */
	"ALLOCATE", "COPY", "COPY_NOTIFY", "DEALLOCATE", "IO_ADVISE", "LAYOUTERROR",
	"LAYOUTSTATS", "OFFLOAD_CANCEL", "OFFLOAD_STATUS", "READ_PLUS", "SEEK",
	"WRITE_SAME", "CLONE", "GETXATTR", "SETXATTR", "LISTXATTRS", "REMOVEXATTR",
};

/* v4 opcodes we refer to */
enum {
	OP_ACCESS = 3, OP_CLOSE, OP_COMMIT, OP_CREATE, OP_DELEGPURGE, OP_DELEGRETURN,
	OP_GETATTR, OP_GETFH, OP_LINK, OP_LOCK, OP_LOCKT, OP_LOCKU, OP_LOOKUP, OP_LOOKUPP,
	OP_NVERIFY, OP_OPEN, OP_OPENATTR, OP_OPEN_CONFIRM, OP_OPEN_DOWNGRADE, OP_PUTFH,
	OP_PUTPUBFH, OP_PUTROOTFH, OP_READ, OP_READDIR, OP_READLINK, OP_REMOVE, OP_RENAME,
	OP_RENEW, OP_RESTOREFH, OP_SAVEFH, OP_SECINFO, OP_SETATTR, OP_SETCLIENTID,
	OP_SETCLIENTID_CONFIRM, OP_VERIFY, OP_WRITE, OP_RELEASE_LOCKOWNER,
	OP_BACKCHANNEL_CTL, OP_BIND_CONN_TO_SESSION, OP_EXCHANGE_ID, OP_CREATE_SESSION,
	OP_DESTROY_SESSION, OP_FREE_STATEID, OP_GET_DIR_DELEGATION, OP_GETDEVICEINFO,
	OP_GETDEVICELIST, OP_LAYOUTCOMMIT, OP_LAYOUTGET, OP_LAYOUTRETURN, OP_SECINFO_NO_NAME,
	OP_SEQUENCE, OP_SET_SSV, OP_TEST_STATEID, OP_WANT_DELEGATION, OP_DESTROY_CLIENTID,
	OP_RECLAIM_COMPLETE, OP_ALLOCATE, OP_COPY, OP_COPY_NOTIFY, OP_DEALLOCATE,
	OP_IO_ADVISE, OP_LAYOUTERROR, OP_LAYOUTSTATS, OP_OFFLOAD_CANCEL, OP_OFFLOAD_STATUS,
	OP_READ_PLUS, OP_SEEK, OP_WRITE_SAME, OP_CLONE, OP_GETXATTR, OP_SETXATTR,
	OP_LISTXATTRS, OP_REMOVEXATTR,
};

const char *cap_op_name(unsigned op)
{
	if (op < CAP_OP_V3_N)
		return v3_names[op];
	if (op == CAP_OP_V4_NULL)
		return "NULL";
	if (op == CAP_OP_V4_COMPOUND)
		return "COMPOUND";
	if (op >= CAP_OP_V4_FIRST && op < CAP_OP_V4_ILLEGAL && v4_names[op - CAP_OP_V4_FIRST])
		return v4_names[op - CAP_OP_V4_FIRST];
	if (op == CAP_OP_V4_ILLEGAL || (op >= CAP_OP_V4_FIRST && op < CAP_OP_V4_ILLEGAL))
		return "ILLEGAL";
	return "OTHER";
}

unsigned cap_op_vers(unsigned op)
{
	if (op < CAP_OP_V3_N)
		return 3;
	if (op < CAP_OP_NONE)
		return 4;
	return 0;
}

struct stname {
	uint32_t v;
	const char *n;
};

static const struct stname st3[] = {
	{0, "NFS3_OK"}, {1, "NFS3ERR_PERM"}, {2, "NFS3ERR_NOENT"}, {5, "NFS3ERR_IO"},
	{6, "NFS3ERR_NXIO"}, {13, "NFS3ERR_ACCES"}, {17, "NFS3ERR_EXIST"}, {18, "NFS3ERR_XDEV"},
	{19, "NFS3ERR_NODEV"}, {20, "NFS3ERR_NOTDIR"}, {21, "NFS3ERR_ISDIR"}, {22, "NFS3ERR_INVAL"},
	{27, "NFS3ERR_FBIG"}, {28, "NFS3ERR_NOSPC"}, {30, "NFS3ERR_ROFS"}, {31, "NFS3ERR_MLINK"},
	{63, "NFS3ERR_NAMETOOLONG"}, {66, "NFS3ERR_NOTEMPTY"}, {69, "NFS3ERR_DQUOT"},
	{70, "NFS3ERR_STALE"}, {71, "NFS3ERR_REMOTE"}, {10001, "NFS3ERR_BADHANDLE"},
	{10002, "NFS3ERR_NOT_SYNC"}, {10003, "NFS3ERR_BAD_COOKIE"}, {10004, "NFS3ERR_NOTSUPP"},
	{10005, "NFS3ERR_TOOSMALL"}, {10006, "NFS3ERR_SERVERFAULT"}, {10007, "NFS3ERR_BADTYPE"},
	{10008, "NFS3ERR_JUKEBOX"},
};

static const struct stname st4[] = {
	{0, "NFS4_OK"}, {1, "NFS4ERR_PERM"}, {2, "NFS4ERR_NOENT"}, {5, "NFS4ERR_IO"},
	{6, "NFS4ERR_NXIO"}, {13, "NFS4ERR_ACCESS"}, {17, "NFS4ERR_EXIST"}, {18, "NFS4ERR_XDEV"},
	{20, "NFS4ERR_NOTDIR"}, {21, "NFS4ERR_ISDIR"}, {22, "NFS4ERR_INVAL"}, {27, "NFS4ERR_FBIG"},
	{28, "NFS4ERR_NOSPC"}, {30, "NFS4ERR_ROFS"}, {31, "NFS4ERR_MLINK"},
	{63, "NFS4ERR_NAMETOOLONG"}, {66, "NFS4ERR_NOTEMPTY"}, {69, "NFS4ERR_DQUOT"},
	{70, "NFS4ERR_STALE"}, {10001, "NFS4ERR_BADHANDLE"}, {10003, "NFS4ERR_BAD_COOKIE"},
	{10004, "NFS4ERR_NOTSUPP"}, {10005, "NFS4ERR_TOOSMALL"}, {10006, "NFS4ERR_SERVERFAULT"},
	{10007, "NFS4ERR_BADTYPE"}, {10008, "NFS4ERR_DELAY"}, {10009, "NFS4ERR_SAME"},
	{10010, "NFS4ERR_DENIED"}, {10011, "NFS4ERR_EXPIRED"}, {10012, "NFS4ERR_LOCKED"},
	{10013, "NFS4ERR_GRACE"}, {10014, "NFS4ERR_FHEXPIRED"}, {10015, "NFS4ERR_SHARE_DENIED"},
	{10016, "NFS4ERR_WRONGSEC"}, {10017, "NFS4ERR_CLID_INUSE"}, {10018, "NFS4ERR_RESOURCE"},
	{10019, "NFS4ERR_MOVED"}, {10020, "NFS4ERR_NOFILEHANDLE"},
	{10021, "NFS4ERR_MINOR_VERS_MISMATCH"}, {10022, "NFS4ERR_STALE_CLIENTID"},
	{10023, "NFS4ERR_STALE_STATEID"}, {10024, "NFS4ERR_OLD_STATEID"},
	{10025, "NFS4ERR_BAD_STATEID"}, {10026, "NFS4ERR_BAD_SEQID"}, {10027, "NFS4ERR_NOT_SAME"},
	{10028, "NFS4ERR_LOCK_RANGE"}, {10029, "NFS4ERR_SYMLINK"}, {10030, "NFS4ERR_RESTOREFH"},
	{10031, "NFS4ERR_LEASE_MOVED"}, {10032, "NFS4ERR_ATTRNOTSUPP"}, {10033, "NFS4ERR_NO_GRACE"},
	{10034, "NFS4ERR_RECLAIM_BAD"}, {10035, "NFS4ERR_RECLAIM_CONFLICT"},
	{10036, "NFS4ERR_BADXDR"}, {10037, "NFS4ERR_LOCKS_HELD"}, {10038, "NFS4ERR_OPENMODE"},
	{10039, "NFS4ERR_BADOWNER"}, {10040, "NFS4ERR_BADCHAR"}, {10041, "NFS4ERR_BADNAME"},
	{10042, "NFS4ERR_BAD_RANGE"}, {10043, "NFS4ERR_LOCK_NOTSUPP"}, {10044, "NFS4ERR_OP_ILLEGAL"},
	{10045, "NFS4ERR_DEADLOCK"}, {10046, "NFS4ERR_FILE_OPEN"}, {10047, "NFS4ERR_ADMIN_REVOKED"},
	{10048, "NFS4ERR_CB_PATH_DOWN"}, {10049, "NFS4ERR_BADIOMODE"}, {10050, "NFS4ERR_BADLAYOUT"},
	{10051, "NFS4ERR_BAD_SESSION_DIGEST"}, {10052, "NFS4ERR_BADSESSION"},
	{10053, "NFS4ERR_BADSLOT"}, {10054, "NFS4ERR_COMPLETE_ALREADY"},
	{10055, "NFS4ERR_CONN_NOT_BOUND_TO_SESSION"}, {10056, "NFS4ERR_DELEG_ALREADY_WANTED"},
	{10057, "NFS4ERR_BACK_CHAN_BUSY"}, {10058, "NFS4ERR_LAYOUTTRYLATER"},
	{10059, "NFS4ERR_LAYOUTUNAVAILABLE"}, {10060, "NFS4ERR_NOMATCHING_LAYOUT"},
	{10061, "NFS4ERR_RECALLCONFLICT"}, {10062, "NFS4ERR_UNKNOWN_LAYOUTTYPE"},
	{10063, "NFS4ERR_SEQ_MISORDERED"}, {10064, "NFS4ERR_SEQUENCE_POS"},
	{10065, "NFS4ERR_REQ_TOO_BIG"}, {10066, "NFS4ERR_REP_TOO_BIG"},
	{10067, "NFS4ERR_REP_TOO_BIG_TO_CACHE"}, {10068, "NFS4ERR_RETRY_UNCACHED_REP"},
	{10069, "NFS4ERR_UNSAFE_COMPOUND"}, {10070, "NFS4ERR_TOO_MANY_OPS"},
	{10071, "NFS4ERR_OP_NOT_IN_SESSION"}, {10072, "NFS4ERR_HASH_ALG_UNSUPP"},
	{10074, "NFS4ERR_CLIENTID_BUSY"}, {10075, "NFS4ERR_PNFS_IO_HOLE"},
	{10076, "NFS4ERR_SEQ_FALSE_RETRY"}, {10077, "NFS4ERR_BAD_HIGH_SLOT"},
	{10078, "NFS4ERR_DEADSESSION"}, {10079, "NFS4ERR_ENCR_ALG_UNSUPP"},
	{10080, "NFS4ERR_PNFS_NO_LAYOUT"}, {10081, "NFS4ERR_NOT_ONLY_OP"},
	{10082, "NFS4ERR_WRONG_CRED"}, {10083, "NFS4ERR_WRONG_TYPE"},
	{10084, "NFS4ERR_DIRDELEG_UNAVAIL"}, {10085, "NFS4ERR_REJECT_DELEG"},
	{10086, "NFS4ERR_RETURNCONFLICT"}, {10087, "NFS4ERR_DELEG_REVOKED"},
};

static const char *stfind(const struct stname *t, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].n;
	return NULL;
}
const char *cap_nfs3_status_name(uint32_t st)
{
	return stfind(st3, sizeof(st3) / sizeof(st3[0]), st);
}
const char *cap_nfs4_status_name(uint32_t st)
{
	return stfind(st4, sizeof(st4) / sizeof(st4[0]), st);
}

/* ---- checked XDR accessors ---------------------------------------------- */

static inline bool xrun_out(struct cap_xdr *x)
{
	if (!x->res)
		x->res = x->trunc ? CAP_TRUNC : CAP_INVALID;
	return false;
}
static inline bool xbad(struct cap_xdr *x)
{
	if (!x->res)
		x->res = CAP_INVALID;
	return false;
}
static inline bool xu32(struct cap_xdr *x, uint32_t *v)
{
	if (x->res)
		return false;
	if (x->end - x->p < 4)
		return xrun_out(x);
	*v = cap_be32(x->p);
	x->p += 4;
	return true;
}
static inline bool xu64(struct cap_xdr *x, uint64_t *v)
{
	uint32_t hi, lo;
	if (!xu32(x, &hi) || !xu32(x, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}
static inline bool xskip(struct cap_xdr *x, uint64_t n)
{
	if (x->res)
		return false;
	if ((uint64_t)(x->end - x->p) < n) {
		x->p = x->end;
		return xrun_out(x);
	}
	x->p += n;
	return true;
}

/* The READ or WRITE data starts `ahead` bytes on: its claimed length is
 * checked later against the record's length, which only the analyzer
 * knows (the record may end before the data does). */
static void xdata_at(const struct cap_xdr *x, struct cap_msg *m, uint32_t ahead)
{
	if (x->msg)
		m->data_at = (uint32_t)(x->p - x->msg) + ahead;
}

/* A variable-length opaque or string of at most max bytes, padded to 4. */
static inline bool xopaque(struct cap_xdr *x, uint32_t max, uint32_t *lenp)
{
	uint32_t len;
	if (!xu32(x, &len))
		return false;
	if (len > max)
		return xbad(x);
	if (lenp)
		*lenp = len;
	return xskip(x, ((uint64_t)len + 3) & ~(uint64_t)3);
}
/* bitmap4: a counted array of words */
static bool xbitmap(struct cap_xdr *x)
{
	uint32_t n;
	if (!xu32(x, &n))
		return false;
	if (n > MAX_BITMAP)
		return xbad(x);
	return xskip(x, (uint64_t)n * 4);
}
/* fattr4: bitmap4 + opaque attrlist4 */
static bool xfattr4(struct cap_xdr *x)
{
	return xbitmap(x) && xopaque(x, 1u << 24, NULL);
}
static bool xauth(struct cap_xdr *x, uint32_t *flavor)
{
	return xu32(x, flavor) && xopaque(x, MAX_AUTH, NULL);
}

/* ---- RPC header (RFC 5531 section 9) ------------------------------------- */

int cap_rpc_parse(const uint8_t *p, size_t n, bool trunc, struct cap_msg *m)
{
	struct cap_xdr x = {p, p + n, trunc, 0, NULL};
	uint32_t v, len;

	memset(m, 0, offsetof(struct cap_msg, ops));
	m->op = CAP_OP_NONE;
	if (!xu32(&x, &m->xid) || !xu32(&x, &m->mtype))
		goto out;
	if (m->mtype == 0) {
		if (!xu32(&x, &v))
			goto out;
		if (v != 2) {
			xbad(&x);
			goto out;
		}
		if (!xu32(&x, &m->prog) || !xu32(&x, &m->vers) || !xu32(&x, &m->proc))
			goto out;
		m->have_proc = 1;
		if (!xu32(&x, &m->flavor) || !xu32(&x, &len))
			goto out;
		if (len > MAX_AUTH) {
			xbad(&x);
			goto out;
		}
		if (m->flavor == 6) {
			/* rpc_gss_cred_vers_1_t (RFC 2203 5): version, proc, seq, service, handle */
			struct cap_xdr g = {x.p, x.p + len <= x.end ? x.p + len : x.end, x.p + len > x.end, 0, NULL};
			uint32_t gv, gproc, gseq, gsvc;
			if (xu32(&g, &gv) && xu32(&g, &gproc) && xu32(&g, &gseq) && xu32(&g, &gsvc)) {
				m->gss_ctl = gproc != 0;
				m->gss_service = (uint8_t)(gsvc <= 3 ? gsvc : 0);
			}
		}
		if (!xskip(&x, ((uint64_t)len + 3) & ~3u) || !xauth(&x, &v))
			goto out;
		if (m->flavor == 6 && !m->gss_ctl && m->gss_service == 2 && !xskip(&x, 8))
			goto out; /* databody_integ: opaque length, then seq_num */
	} else if (m->mtype == 1) {
		if (!xu32(&x, &v))
			goto out;
		m->reply_stat = (uint8_t)v;
		if (v == 0) {
			if (!xauth(&x, &v) || !xu32(&x, &v))
				goto out;
			if (v > 5) {
				xbad(&x);
				goto out;
			}
			m->accept_stat = (uint8_t)v;
		} else if (v == 1) {
			if (!xu32(&x, &v))
				goto out;
			if (v > 1) {
				xbad(&x);
				goto out;
			}
			m->reject_stat = (uint8_t)v;
		} else {
			xbad(&x);
			goto out;
		}
	} else {
		xbad(&x);
	}
out:
	m->body = (size_t)(x.p - p);
	m->rpc_res = x.res;
	return x.res;
}

/* ---- NFSv4 op arguments and results (RFC 8881 section 18, 7862, 8276) ---- */

static bool xstateid(struct cap_xdr *x)
{
	return xskip(x, 16);
}
static bool xowner(struct cap_xdr *x) /* lock_owner4 / open_owner4 */
{
	return xskip(x, 8) && xopaque(x, 1024, NULL);
}
static bool xchan_attrs(struct cap_xdr *x)
{
	uint32_t n;
	if (!xskip(x, 24) || !xu32(x, &n))
		return false;
	if (n > 1)
		return xbad(x);
	return xskip(x, (uint64_t)n * 4);
}
/* callback_sec_parms4 array (CREATE_SESSION, BACKCHANNEL_CTL) */
static bool xcb_secparms(struct cap_xdr *x)
{
	uint32_t n, fl, ng;
	if (!xu32(x, &n))
		return false;
	if (n > 16)
		return xbad(x);
	for (uint32_t i = 0; i < n; i++) {
		if (!xu32(x, &fl))
			return false;
		if (fl == 1) { /* authsys_parms */
			if (!xskip(x, 4) || !xopaque(x, 255, NULL) || !xskip(x, 8) || !xu32(x, &ng))
				return false;
			if (ng > 16)
				return xbad(x);
			if (!xskip(x, (uint64_t)ng * 4))
				return false;
		} else if (fl == 6) {
			if (!xskip(x, 4) || !xopaque(x, 1024, NULL) || !xopaque(x, 1024, NULL))
				return false;
		} else if (fl != 0) {
			return xbad(x);
		}
	}
	return true;
}

/* Most ops' arguments and results are a fixed run of XDR items: one
 * character per item. a-z: skip 4 bytes per letter (a 4, b 8, ... j 40);
 * S stateid4; N a name (component4); F nfs_fh4; B bitmap4; A fattr4;
 * O state_owner4; L opaque<1024>; P opaque<64>; M opaque<2^20>;
 * X opaque<2^24>; H channel_attrs4; C callback_sec_parms4<>. "" is nothing;
 * NULL: the op is decoded by hand below (choices, counts we keep) or not
 * at all. */
static bool xseq(struct cap_xdr *x, const char *s)
{
	for (bool ok = true; *s; s++) {
		switch (*s) {
		case 'S': ok = xstateid(x); break;
		case 'N': ok = xopaque(x, MAX_NAME, NULL); break;
		case 'F': ok = xopaque(x, NFS4_FHSIZE, NULL); break;
		case 'B': ok = xbitmap(x); break;
		case 'A': ok = xfattr4(x); break;
		case 'O': ok = xowner(x); break;
		case 'L': ok = xopaque(x, 1024, NULL); break;
		case 'P': ok = xopaque(x, 64, NULL); break;
		case 'M': ok = xopaque(x, 1u << 20, NULL); break;
		case 'X': ok = xopaque(x, 1u << 24, NULL); break;
		case 'H': ok = xchan_attrs(x); break;
		case 'C': ok = xcb_secparms(x); break;
		default: ok = xskip(x, 4u * (unsigned)(*s - 'a' + 1)); break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* RFC 8881 section 18 (and 7862, 8276 for 4.2): OPnnnn4args */
static const char *const v4_args[CAP_V4_NOPS] = {
	[OP_ACCESS] = "a", [OP_CLOSE] = "aS", [OP_DELEGPURGE] = "b", [OP_DELEGRETURN] = "S",
	[OP_GETATTR] = "B", [OP_GETFH] = "", [OP_LINK] = "N", [OP_LOCKT] = "eO", [OP_LOCKU] = "bSd",
	[OP_LOOKUP] = "N", [OP_LOOKUPP] = "", [OP_NVERIFY] = "A", [OP_OPENATTR] = "a",
	[OP_OPEN_CONFIRM] = "Sa", [OP_OPEN_DOWNGRADE] = "Sc", [OP_PUTFH] = "F", [OP_PUTPUBFH] = "",
	[OP_PUTROOTFH] = "", [OP_READDIR] = "fB", [OP_READLINK] = "", [OP_REMOVE] = "N",
	[OP_RENAME] = "NN", [OP_RENEW] = "b", [OP_RESTOREFH] = "", [OP_SAVEFH] = "", [OP_SECINFO] = "N",
	[OP_SETATTR] = "SA", [OP_SETCLIENTID] = "bLaPLa", [OP_SETCLIENTID_CONFIRM] = "d",
	[OP_VERIFY] = "A", [OP_RELEASE_LOCKOWNER] = "O",
	[OP_BACKCHANNEL_CTL] = "aC", [OP_BIND_CONN_TO_SESSION] = "f", [OP_CREATE_SESSION] = "dHHaC",
	[OP_DESTROY_SESSION] = "d", [OP_FREE_STATEID] = "S", [OP_GET_DIR_DELEGATION] = "aBfBB",
	[OP_GETDEVICEINFO] = "fB", [OP_GETDEVICELIST] = "f", [OP_LAYOUTGET] = "iSa",
	[OP_SECINFO_NO_NAME] = "a", [OP_SEQUENCE] = "h", [OP_SET_SSV] = "LL",
	[OP_DESTROY_CLIENTID] = "b", [OP_RECLAIM_COMPLETE] = "a",
	[OP_ALLOCATE] = "Sd", [OP_DEALLOCATE] = "Sd", [OP_IO_ADVISE] = "SdB", [OP_OFFLOAD_CANCEL] = "S",
	[OP_OFFLOAD_STATUS] = "S", [OP_SEEK] = "Sc", [OP_CLONE] = "SSf", [OP_GETXATTR] = "N",
	[OP_SETXATTR] = "aNX", [OP_LISTXATTRS] = "c", [OP_REMOVEXATTR] = "N",
};

/* OPnnnn4resok after the status (SETATTR's attrsset comes either way) */
static const char *const v4_res[CAP_V4_NOPS] = {
	[OP_ACCESS] = "b", [OP_CLOSE] = "S", [OP_COMMIT] = "b", [OP_CREATE] = "eB",
	[OP_DELEGPURGE] = "", [OP_DELEGRETURN] = "", [OP_GETATTR] = "A", [OP_GETFH] = "F",
	[OP_LINK] = "e", [OP_LOCK] = "S", [OP_LOCKT] = "", [OP_LOCKU] = "S", [OP_LOOKUP] = "",
	[OP_LOOKUPP] = "", [OP_NVERIFY] = "", [OP_OPENATTR] = "", [OP_OPEN_CONFIRM] = "S",
	[OP_OPEN_DOWNGRADE] = "S", [OP_PUTFH] = "", [OP_PUTPUBFH] = "", [OP_PUTROOTFH] = "",
	[OP_READLINK] = "X", [OP_REMOVE] = "e", [OP_RENAME] = "j", [OP_RENEW] = "",
	[OP_RESTOREFH] = "", [OP_SAVEFH] = "", [OP_SETATTR] = "B", [OP_SETCLIENTID] = "d",
	[OP_SETCLIENTID_CONFIRM] = "", [OP_VERIFY] = "", [OP_RELEASE_LOCKOWNER] = "",
	[OP_BACKCHANNEL_CTL] = "", [OP_BIND_CONN_TO_SESSION] = "f", [OP_CREATE_SESSION] = "fHH",
	[OP_DESTROY_SESSION] = "", [OP_FREE_STATEID] = "", [OP_SEQUENCE] = "i",
	[OP_DESTROY_CLIENTID] = "", [OP_RECLAIM_COMPLETE] = "", [OP_ALLOCATE] = "",
	[OP_DEALLOCATE] = "", [OP_OFFLOAD_CANCEL] = "", [OP_SEEK] = "c", [OP_CLONE] = "",
	[OP_GETXATTR] = "X", [OP_SETXATTR] = "e", [OP_REMOVEXATTR] = "e",
};

/* Skip one op's arguments. false: stop (x->res set, or 0 when we do not
 * know how to skip this op: the list is then incomplete, not invalid). */
static bool v4_skip_args(struct cap_xdr *x, uint32_t op, struct cap_msg *m)
{
	uint32_t v, n;
	if (op < CAP_V4_NOPS && v4_args[op])
		return xseq(x, v4_args[op]);
	switch (op) {
	case OP_COMMIT:
		if (!xu64(x, &m->offset) || !xu32(x, &m->count))
			return false;
		m->has_offset = m->has_count = 1;
		return true;
	case OP_CREATE:
		if (!xu32(x, &v))
			return false;
		if (v == 5 && !xopaque(x, MAX_NAME, NULL)) /* NF4LNK: linkdata */
			return false;
		if ((v == 3 || v == 4) && !xskip(x, 8)) /* NF4BLK, NF4CHR: specdata4 */
			return false;
		return xopaque(x, MAX_NAME, NULL) && xfattr4(x);
	case OP_LOCK:
		if (!xskip(x, 4 + 4 + 16) || !xu32(x, &v))
			return false;
		if (v) /* open_to_lock_owner4 */
			return xskip(x, 4) && xstateid(x) && xskip(x, 4) && xowner(x);
		return xstateid(x) && xskip(x, 4);
	case OP_OPEN:
		if (!xskip(x, 12) || !xowner(x) || !xu32(x, &v))
			return false;
		if (v == 1) { /* OPEN4_CREATE: createhow4 */
			if (!xu32(x, &n))
				return false;
			if (n == 0 || n == 1) {
				if (!xfattr4(x))
					return false;
			} else if (n == 2) {
				if (!xskip(x, 8))
					return false;
			} else if (n == 3) {
				if (!xskip(x, 8) || !xfattr4(x))
					return false;
			} else {
				return xbad(x);
			}
		} else if (v != 0) {
			return xbad(x);
		}
		if (!xu32(x, &v)) /* open_claim4 */
			return false;
		switch (v) {
		case 0: case 3: return xopaque(x, MAX_NAME, NULL);
		case 1: return xskip(x, 4);
		case 2: return xstateid(x) && xopaque(x, MAX_NAME, NULL);
		case 4: case 6: return true;
		case 5: return xstateid(x);
		}
		return xbad(x);
	case OP_READ: case OP_READ_PLUS:
		if (!xstateid(x) || !xu64(x, &m->offset) || !xu32(x, &m->count))
			return false;
		m->has_offset = m->has_count = 1;
		return true;
	case OP_WRITE:
		if (!xstateid(x) || !xu64(x, &m->offset) || !xskip(x, 4) || !xu32(x, &m->count))
			return false;
		m->has_offset = m->has_count = 1;
		xdata_at(x, m, 0);
		return xskip(x, ((uint64_t)m->count + 3) & ~(uint64_t)3);
	case OP_EXCHANGE_ID:
		if (!xskip(x, 8) || !xopaque(x, 1024, NULL) || !xskip(x, 4) || !xu32(x, &v))
			return false;
		if (v == 1) {
			if (!xbitmap(x) || !xbitmap(x))
				return false;
		} else if (v != 0) {
			return false; /* SP4_SSV: not decoded */
		}
		if (!xu32(x, &n))
			return false;
		if (n > 1)
			return xbad(x);
		for (uint32_t i = 0; i < n; i++)
			if (!xopaque(x, 1024, NULL) || !xopaque(x, 1024, NULL) || !xskip(x, 12))
				return false;
		return true;
	case OP_LAYOUTCOMMIT:
		if (!xskip(x, 8 + 8 + 4) || !xstateid(x) || !xu32(x, &v) || (v && !xskip(x, 8)))
			return false;
		if (!xu32(x, &v) || (v && !xskip(x, 12)))
			return false;
		return xskip(x, 4) && xopaque(x, 1u << 20, NULL);
	case OP_LAYOUTRETURN:
		if (!xskip(x, 12) || !xu32(x, &v))
			return false;
		if (v == 1)
			return xskip(x, 16) && xstateid(x) && xopaque(x, 1u << 20, NULL);
		return true;
	case OP_TEST_STATEID:
		if (!xu32(x, &n))
			return false;
		if (n > 1024)
			return xbad(x);
		return xskip(x, (uint64_t)n * 16);
	case OP_WANT_DELEGATION:
		if (!xskip(x, 4) || !xu32(x, &v))
			return false;
		return v == 1 ? xskip(x, 4) : true;
	}
	return false; /* COPY, COPY_NOTIFY, LAYOUTERROR, LAYOUTSTATS, WRITE_SAME, unknown */
}

/* Skip one op's result after its status (only called when status is OK,
 * except for SETATTR whose attrsset is always present). */
static bool v4_skip_res(struct cap_xdr *x, uint32_t op, struct cap_msg *m)
{
	uint32_t v, n;
	if (op < CAP_V4_NOPS && v4_res[op])
		return xseq(x, v4_res[op]);
	switch (op) {
	case OP_OPEN:
		if (!xstateid(x) || !xskip(x, 20 + 4) || !xbitmap(x) || !xu32(x, &v))
			return false;
		switch (v) {
		case 0: return true;
		case 1: return xstateid(x) && xskip(x, 4 + 12) && xopaque(x, 1024, NULL);
		case 2: return xstateid(x) && xskip(x, 4 + 12 + 12) && xopaque(x, 1024, NULL);
		case 3:
			if (!xu32(x, &n))
				return false;
			return (n == 1 || n == 2) ? xskip(x, 4) : true;
		}
		return xbad(x);
	case OP_READ:
		if (!xskip(x, 4) || !xu32(x, &m->rcount))
			return false;
		m->has_rcount = 1;
		xdata_at(x, m, 0);
		return xskip(x, ((uint64_t)m->rcount + 3) & ~(uint64_t)3);
	case OP_SECINFO: case OP_SECINFO_NO_NAME:
		if (!xu32(x, &n))
			return false;
		if (n > 64)
			return xbad(x);
		for (uint32_t i = 0; i < n; i++) {
			if (!xu32(x, &v))
				return false;
			if (v == 6 && (!xopaque(x, 1024, NULL) || !xskip(x, 8)))
				return false;
		}
		return true;
	case OP_WRITE:
		if (!xu32(x, &m->rcount))
			return false;
		m->has_rcount = 1;
		return xskip(x, 12);
	case OP_EXCHANGE_ID:
		if (!xskip(x, 16) || !xu32(x, &v))
			return false;
		if (v == 1) {
			if (!xbitmap(x) || !xbitmap(x))
				return false;
		} else if (v != 0) {
			return false;
		}
		if (!xskip(x, 8) || !xopaque(x, 1024, NULL) || !xopaque(x, 1024, NULL) || !xu32(x, &n))
			return false;
		if (n > 1)
			return xbad(x);
		for (uint32_t i = 0; i < n; i++)
			if (!xopaque(x, 1024, NULL) || !xopaque(x, 1024, NULL) || !xskip(x, 12))
				return false;
		return true;
	case OP_LAYOUTCOMMIT:
		return xu32(x, &v) && (v ? xskip(x, 8) : true);
	case OP_LAYOUTRETURN:
		return xu32(x, &v) && (v ? xstateid(x) : true);
	case OP_TEST_STATEID:
		if (!xu32(x, &n))
			return false;
		if (n > 1024)
			return xbad(x);
		return xskip(x, (uint64_t)n * 4);
	case OP_LISTXATTRS:
		if (!xskip(x, 8) || !xu32(x, &n))
			return false;
		if (n > 4096)
			return xbad(x);
		for (uint32_t i = 0; i < n; i++)
			if (!xopaque(x, MAX_NAME, NULL))
				return false;
		return xskip(x, 4);
	}
	return false;
}

static uint8_t op_code8(uint32_t op)
{
	return op >= 3 && op < CAP_V4_NOPS ? (uint8_t)op : 255;
}

unsigned cap_v4_principal(const uint8_t *ops, unsigned n)
{
	bool getattr = false;
	for (unsigned i = 0; i < n; i++) {
		switch (ops[i]) {
		case OP_SEQUENCE: case OP_PUTFH: case OP_PUTROOTFH: case OP_PUTPUBFH:
		case OP_SAVEFH: case OP_RESTOREFH: case OP_GETFH:
			continue;
		case OP_GETATTR:
			getattr = true;
			continue;
		}
		return ops[i] == 255 ? CAP_OP_V4_ILLEGAL : CAP_OP_V4_FIRST + ops[i];
	}
	if (getattr)
		return CAP_OP_V4_FIRST + OP_GETATTR;
	if (n)
		return ops[n - 1] == 255 ? CAP_OP_V4_ILLEGAL : CAP_OP_V4_FIRST + ops[n - 1];
	return CAP_OP_V4_COMPOUND;
}

/* ---- NFS arguments and results ------------------------------------------ */

int cap_nfs_call(const uint8_t *p, size_t n, bool trunc, struct cap_msg *m)
{
	struct cap_xdr x = {p + m->body, p + n, trunc, 0, p};
	uint32_t v;

	m->nfs_res = CAP_OK;
	if (m->body > n || m->mtype != 0 || !m->have_proc || m->prog != CAP_NFS_PROG || m->gss_ctl)
		return CAP_OK;
	if (m->vers == 3) {
		if (m->proc >= CAP_OP_V3_N)
			return m->nfs_res = CAP_INVALID;
		m->op = (uint16_t)m->proc;
		if (m->rpc_res)
			return m->nfs_res = CAP_TRUNC; /* the header was cut: the procedure is all we know */
		if (m->flavor == 6 && m->gss_service == 3)
			return CAP_OK; /* privacy: arguments are encrypted */
		if (m->proc == 6 || m->proc == 7 || m->proc == 21) {
			/* READ3args, WRITE3args, COMMIT3args: fh, offset, count */
			if (xopaque(&x, NFS3_FHSIZE, NULL) && xu64(&x, &m->offset) && xu32(&x, &m->count)) {
				m->has_offset = m->has_count = 1;
				if (m->proc == 7)
					xdata_at(&x, m, 8); /* after stable and the data's length */
				if (m->proc == 7 && xskip(&x, 4) && xu32(&x, &v) && v != m->count)
					xbad(&x); /* data length must equal count (RFC 1813 3.3.7) */
			}
		}
		return m->nfs_res = x.res;
	}
	if (m->vers != 4)
		return CAP_OK; /* NFSv2 and others: not decoded */
	if (m->proc == 0) {
		m->op = CAP_OP_V4_NULL;
		return CAP_OK;
	}
	if (m->proc != 1)
		return m->nfs_res = CAP_INVALID;
	m->op = CAP_OP_V4_COMPOUND;
	if (m->rpc_res)
		return m->nfs_res = CAP_TRUNC;
	if (m->flavor == 6 && m->gss_service == 3)
		return CAP_OK;
	/* COMPOUND4args: tag, minorversion, argarray */
	if (!xopaque(&x, MAX_TAG, NULL) || !xu32(&x, &m->minor) || !xu32(&x, &m->ops_total))
		return m->nfs_res = x.res;
	for (uint32_t i = 0; i < m->ops_total; i++) {
		if (!xu32(&x, &v))
			return m->nfs_res = x.res;
		if (m->nops < CAP_V4_MAXOPS)
			m->ops[m->nops++] = op_code8(v);
		if (i + 1 == m->ops_total) {
			/* the last op's arguments only matter for READ/WRITE/COMMIT counts */
			v4_skip_args(&x, v, m);
			m->ops_total_known = m->nops == m->ops_total;
			return m->nfs_res = x.res == CAP_INVALID ? CAP_INVALID : CAP_OK;
		}
		if (!v4_skip_args(&x, v, m))
			return m->nfs_res = x.res == CAP_INVALID ? CAP_INVALID : CAP_OK;
	}
	m->ops_total_known = m->nops == m->ops_total;
	return m->nfs_res = CAP_OK;
}

int cap_nfs_reply(const uint8_t *p, size_t n, bool trunc, const struct cap_msg *call, struct cap_msg *m)
{
	struct cap_xdr x = {p + m->body, p + n, trunc, 0, p};
	uint32_t v, st;

	m->nfs_res = CAP_OK;
	m->op = call->op;
	if (m->body > n || m->reply_stat != 0 || m->accept_stat != 0 || call->prog != CAP_NFS_PROG ||
	    call->op == CAP_OP_NONE || call->gss_ctl)
		return CAP_OK;
	if (call->flavor == 6 && call->gss_service == 3)
		return CAP_OK;
	if (call->flavor == 6 && call->gss_service == 2 && !xskip(&x, 8))
		return m->nfs_res = x.res;
	if (call->op == 0 || call->op == CAP_OP_V4_NULL)
		return CAP_OK; /* NULL: void result */
	if (!xu32(&x, &m->status))
		return m->nfs_res = x.res;
	m->has_status = 1;
	if (call->op < CAP_OP_V3_N) {
		if (m->status != 0)
			return CAP_OK;
		if (call->op == 6) {
			/* READ3resok: post_op_attr, count, eof, data */
			if (xu32(&x, &v) && (!v || xskip(&x, 84)) && xu32(&x, &m->rcount)) {
				m->has_rcount = 1;
				xdata_at(&x, m, 8); /* after eof and the data's length */
			}
		} else if (call->op == 7) {
			/* WRITE3resok: wcc_data (pre_op_attr, post_op_attr), count */
			if (xu32(&x, &v) && (!v || xskip(&x, 24)) && xu32(&x, &v) && (!v || xskip(&x, 84)) &&
			    xu32(&x, &m->rcount))
				m->has_rcount = 1;
		}
		return m->nfs_res = x.res;
	}
	/* COMPOUND4res: status, tag, resarray of (op, status, result) */
	if (!xopaque(&x, MAX_TAG, NULL) || !xu32(&x, &m->ops_total))
		return m->nfs_res = x.res;
	for (uint32_t i = 0; i < m->ops_total; i++) {
		if (!xu32(&x, &v))
			break;
		if (m->nops < CAP_V4_MAXOPS)
			m->ops[m->nops++] = op_code8(v);
		if (!xu32(&x, &st))
			break;
		/* a compound stops at its first failing op: nothing follows it */
		if (st != 0 || i + 1 == m->ops_total) {
			if (st == 0 && (v == OP_READ || v == OP_WRITE))
				v4_skip_res(&x, v, m); /* for the byte count */
			m->ops_total_known = m->nops == m->ops_total || st != 0;
			break;
		}
		if (!v4_skip_res(&x, v, m))
			break;
	}
	return m->nfs_res = x.res == CAP_INVALID ? CAP_INVALID : CAP_OK;
}

/* ---- recognising a record header (resynchronisation) --------------------- */

static bool known_prog(uint32_t prog)
{
	switch (prog) {
	case 100000: /* portmap/rpcbind */
	case 100003: /* NFS */
	case 100005: /* MOUNT */
	case 100021: /* NLM */
	case 100024: /* NSM */
	case 100227: /* NFS_ACL */
		return true;
	}
	return false;
}

static bool known_flavor(uint32_t f)
{
	return f <= 6 || (f >= 390003 && f <= 390009);
}

int cap_rpc_plausible(const uint8_t *p, size_t n, bool any_prog)
{
	if (n < 16)
		return 0;
	uint32_t mark = cap_be32(p), len = mark & 0x7fffffffu;
	if (len < 20 || len > (1u << 24))
		return 0;
	uint32_t mtype = cap_be32(p + 8);
	if (mtype == 0) {
		if (n < 24 || len < 40 || cap_be32(p + 12) != 2)
			return 0;
		uint32_t prog = cap_be32(p + 16);
		if (!(known_prog(prog) || (any_prog && prog < 0x80000000u)))
			return 0;
		if (n >= 28 && cap_be32(p + 20) > 10) /* version */
			return 0;
		if (n >= 36 && (!known_flavor(cap_be32(p + 28)) || cap_be32(p + 32) > MAX_AUTH))
			return 0;
		return 1;
	}
	if (mtype == 1) {
		uint32_t rs = cap_be32(p + 12);
		if (rs == 0) {
			if (n < 24)
				return n >= 20 && known_flavor(cap_be32(p + 16)) ? 2 : 0;
			uint32_t fl = cap_be32(p + 16), vl = cap_be32(p + 20);
			if (!known_flavor(fl) || vl > MAX_AUTH)
				return 0;
			if (n >= 28 + ((vl + 3) & ~3u) && cap_be32(p + 24 + ((vl + 3) & ~3u)) > 5)
				return 0;
			return 2;
		}
		if (rs == 1)
			return n >= 20 && cap_be32(p + 16) <= 1 ? 2 : 0;
	}
	return 0;
}
