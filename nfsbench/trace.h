/* trace.h - nfsbench's per-RPC trace (--trace FILE) and its reader.
 *
 * File format, version 1, all integers little-endian, every record 48 bytes:
 *
 *   header   0  char[8] magic "NFSBTRC1"
 *            8  u32 version (1)
 *           12  u32 record size (48)
 *           16  u64 run start, CLOCK_REALTIME ns
 *           24  24 bytes reserved (0)
 *
 *   RPC      0  u8  kind = 1
 *            1  u8  op (enum nb_op: 0 read, 1 write, 2 commit, 3 getattr,
 *                   4 lookup, 5 create, 6 remove, 7 setattr, ...)
 *            2  u8  flags: bit 0 = counted in the results (not ramp, not
 *                   drain, not layout)
 *            3  u8  reserved
 *            4  u32 XID
 *            8  u64 issue time, CLOCK_REALTIME ns (the clock of pcap files)
 *           16  u64 completion time, CLOCK_REALTIME ns
 *           24  u64 offset (READ/WRITE/COMMIT)
 *           32  u32 length asked (READ/WRITE/COMMIT)
 *           36  u32 status: nfsstat3, or 0x80000000 | transport outcome
 *                   (1 error, 2 timeout, 3 cancelled)
 *           40  u32 file index
 *           44  u16 connection index
 *           46  u16 reserved
 *
 *   CONN     0  u8  kind = 2 (a connection was opened; later RPC records
 *                   with this index use it)
 *            1  u8  address family (4 or 6)
 *            2  u16 local port
 *            4  u16 remote port
 *            6  u16 connection index
 *            8  u64 time, CLOCK_REALTIME ns
 *           16  u8[16] local address (IPv4 in the first 4 bytes)
 *           32  u8[16] remote address
 *
 * Records of one thread appear in completion order; threads interleave in
 * blocks. Sort by issue time when order matters.
 */
#ifndef NFSBENCH_TRACE_H
#define NFSBENCH_TRACE_H

#include <stdint.h>
#include <stdio.h>

#define TRACE_MAGIC "NFSBTRC1"
#define TRACE_VERSION 1
#define TRACE_RECSZ 48
#define TRACE_KIND_RPC 1
#define TRACE_KIND_CONN 2
#define TRACE_F_COUNTED 1u
#define TRACE_ST_TRANSPORT 0x80000000u

struct trace_rpc {
	uint8_t op, flags;
	uint32_t xid;
	uint64_t issue_ns, complete_ns, offset;
	uint32_t length, status, file;
	uint16_t conn;
};

struct trace_conn {
	uint8_t family;
	uint16_t lport, rport, conn;
	uint64_t time_ns;
	uint8_t laddr[16], raddr[16];
};

/* Shared writer: one file, many threads, each with its own buffer. */
struct trace_file;
struct trace_buf;

int trace_open(struct trace_file **tf, const char *path, uint64_t start_real_ns, char *err, size_t errlen);
/* Flush nothing more; close. Returns 0 or the errno of a failed write. */
int trace_close(struct trace_file *tf);
int trace_buf_new(struct trace_buf **tb, struct trace_file *tf);
void trace_buf_free(struct trace_buf *tb); /* flushes */
void trace_add_rpc(struct trace_buf *tb, const struct trace_rpc *r);
void trace_add_conn(struct trace_buf *tb, const struct trace_conn *c);
int trace_flush(struct trace_buf *tb);

/* Encode/decode one record (exposed for tests and the reader). */
void trace_enc_rpc(unsigned char *p, const struct trace_rpc *r);
void trace_enc_conn(unsigned char *p, const struct trace_conn *c);
/* Returns the record's kind, or 0 if unknown. */
int trace_dec(const unsigned char *p, struct trace_rpc *r, struct trace_conn *c);

/* Reader: calls back per record. Returns 0, or an errno with err set
 * ("FILE: not an nfsbench trace", "FILE: truncated record at byte N"). */
struct trace_visitor {
	void (*rpc)(void *arg, const struct trace_rpc *r);
	void (*conn)(void *arg, const struct trace_conn *c);
	void *arg;
};
int trace_read(const char *path, const struct trace_visitor *v, uint64_t *start_real_ns, char *err, size_t errlen);

/* `nfsbench trace-dump FILE`: CSV on out. */
int trace_dump_main(int argc, char **argv);

#endif
