/* pkt.c - link, network and transport decoding of one captured packet.
 *
 * Everything read goes through the checked accessors of cap.h against the
 * captured end; lengths on the wire come from the IP headers (bounded by the
 * frame's wire length), so a headers-only capture still tells how many
 * payload bytes each segment carried. Link layers: Ethernet (with 802.1Q,
 * 802.1ad/QinQ tags), Linux cooked v1/v2, raw IPv4/IPv6, BSD loopback
 * (DLT_NULL, host byte order, and DLT_LOOP, network order). IPv4 (RFC 791),
 * IPv6 with extension headers (RFC 8200), TCP (RFC 9293), UDP (RFC 768).
 */
#include <string.h>

#include "cap.h"

const char *const cap_layer_names[CAP_NLAYERS] = {"link", "net", "transport", "rpc", "nfs"};

#define ET_IPV4 0x0800
#define ET_IPV6 0x86dd
#define ET_VLAN 0x8100
#define ET_QINQ 0x88a8
#define ET_QINQ_OLD 0x9100

bool cap_dlt_supported(int dlt)
{
	switch (dlt) {
	case CAP_DLT_NULL: case CAP_DLT_EN10MB: case CAP_DLT_RAW: case CAP_DLT_RAW_BSD:
	case CAP_DLT_LOOP: case CAP_DLT_LINUX_SLL: case CAP_DLT_IPV4: case CAP_DLT_IPV6:
	case CAP_DLT_LINUX_SLL2:
		return true;
	}
	return false;
}

static int fail(int *layer, int l, int res)
{
	*layer = l;
	return res;
}

/* TCP header and options (only the window scale matters to us). */
static int dec_tcp(struct cap_buf *b, uint32_t l4len, struct cap_pkt *p, int *layer)
{
	const uint8_t *h = b->cur;
	uint16_t sport, dport, flw, win;
	uint32_t seq, ack;

	p->l4 = h;

	if (!cap_get_be16(b, &sport) || !cap_get_be16(b, &dport) || !cap_get_be32(b, &seq) ||
	    !cap_get_be32(b, &ack) || !cap_get_be16(b, &flw) || !cap_get_be16(b, &win))
		return fail(layer, CAP_L_TRANS, l4len < 20 ? CAP_INVALID : CAP_TRUNC);
	unsigned doff = (unsigned)(flw >> 12) * 4;
	if (doff < 20 || doff > l4len)
		return fail(layer, CAP_L_TRANS, CAP_INVALID);
	p->proto = 6;
	p->sport = sport;
	p->dport = dport;
	p->seq = seq;
	p->ack = ack;
	p->flags = (uint8_t)flw;
	p->win = win;
	p->wscale = 0xff;
	if (!cap_skip(b, 2 + 2)) /* checksum, urgent pointer */
		return fail(layer, CAP_L_TRANS, CAP_TRUNC);
	if (p->flags & CAP_TH_SYN) {
		/* options: kind, length, data; stop cleanly at anything odd */
		struct cap_buf o = {b->cur, h + doff <= b->end ? h + doff : b->end};
		uint8_t kind, len;
		while (cap_get_u8(&o, &kind) && kind != 0) {
			if (kind == 1)
				continue;
			if (!cap_get_u8(&o, &len) || len < 2 || !cap_skip(&o, 0) || cap_left(&o) < (size_t)len - 2)
				break;
			if (kind == 3 && len == 3)
				p->wscale = o.cur[0] > 14 ? 14 : o.cur[0]; /* RFC 7323: at most 14 */
			o.cur += len - 2;
		}
	}
	b->cur = h;
	if (!cap_skip(b, doff)) {
		/* header cut by the snaplen: no payload bytes, but the wire length holds */
		b->cur = b->end;
	}
	p->pl = b->cur;
	p->pl_len = l4len - doff;
	p->pl_cap = (uint32_t)cap_left(b) < p->pl_len ? (uint32_t)cap_left(b) : p->pl_len;
	return CAP_OK;
}

static int dec_udp(struct cap_buf *b, uint32_t l4len, struct cap_pkt *p, int *layer)
{
	uint16_t sport, dport, ulen, sum;

	if (!cap_get_be16(b, &sport) || !cap_get_be16(b, &dport) || !cap_get_be16(b, &ulen) ||
	    !cap_get_be16(b, &sum))
		return fail(layer, CAP_L_TRANS, l4len < 8 ? CAP_INVALID : CAP_TRUNC);
	/* a fragmented datagram's UDP length covers all fragments */
	if (ulen < 8 || (!p->frag && ulen > l4len))
		return fail(layer, CAP_L_TRANS, CAP_INVALID);
	p->proto = 17;
	p->sport = sport;
	p->dport = dport;
	p->pl = b->cur;
	p->pl_len = p->frag ? l4len - 8 : (uint32_t)ulen - 8;
	p->dgram_len = (uint32_t)ulen - 8;
	p->pl_cap = (uint32_t)cap_left(b) < p->pl_len ? (uint32_t)cap_left(b) : p->pl_len;
	return CAP_OK;
}

static int dec_l4(struct cap_buf *b, uint8_t proto, uint32_t l4len, struct cap_pkt *p, int *layer)
{
	if (p->frag && p->frag_off != 0) {
		/* a later fragment: no transport header here */
		p->frag_proto = proto;
		p->proto = 0;
		p->pl = b->cur;
		p->pl_len = l4len;
		p->pl_cap = (uint32_t)cap_left(b) < l4len ? (uint32_t)cap_left(b) : l4len;
		return CAP_OK;
	}
	p->frag_proto = proto;
	if (proto == 6)
		return dec_tcp(b, l4len, p, layer);
	if (proto == 17)
		return dec_udp(b, l4len, p, layer);
	return CAP_OK;
}

/* wire_left: bytes of this layer on the wire (from the frame length). */
static int dec_ipv4(struct cap_buf *b, uint32_t wire_left, struct cap_pkt *p, int *layer)
{
	const uint8_t *h = b->cur;
	uint8_t vihl, tos, ttl, proto;
	uint16_t tot, id, frag, sum;

	p->l3 = h;

	if (!cap_get_u8(b, &vihl) || !cap_get_u8(b, &tos) || !cap_get_be16(b, &tot) ||
	    !cap_get_be16(b, &id) || !cap_get_be16(b, &frag) || !cap_get_u8(b, &ttl) ||
	    !cap_get_u8(b, &proto) || !cap_get_be16(b, &sum) || cap_left(b) < 8)
		return fail(layer, CAP_L_NET, wire_left < 20 ? CAP_INVALID : CAP_TRUNC);
	unsigned ihl = (vihl & 15u) * 4;
	if ((vihl >> 4) != 4 || ihl < 20)
		return fail(layer, CAP_L_NET, CAP_INVALID);
	/* TSO/GSO super-frames may carry 0 here; the frame length then rules */
	uint32_t len = tot ? tot : wire_left;
	if (len > wire_left)
		len = wire_left;
	if (len < ihl)
		return fail(layer, CAP_L_NET, CAP_INVALID);
	p->fam = 4;
	memset(p->src, 0, sizeof(p->src)); /* addresses are compared as 16 bytes */
	memset(p->dst, 0, sizeof(p->dst));
	memcpy(p->src, b->cur, 4);
	memcpy(p->dst, b->cur + 4, 4);
	b->cur = h;
	if (!cap_skip(b, ihl))
		return fail(layer, CAP_L_NET, CAP_TRUNC);
	if ((frag & 0x3fff) != 0) {
		p->frag = 1;
		p->frag_more = (frag & 0x2000) != 0;
		p->frag_off = (uint32_t)(frag & 0x1fff) * 8;
		p->frag_id = id;
	}
	/* trailing link padding (short Ethernet frames) is not payload */
	if (cap_left(b) > len - ihl)
		b->end = b->cur + (len - ihl);
	return dec_l4(b, proto, len - ihl, p, layer);
}

static int dec_ipv6(struct cap_buf *b, uint32_t wire_left, struct cap_pkt *p, int *layer)
{
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh, hlim;

	p->l3 = b->cur;

	if (!cap_get_be32(b, &vtf) || !cap_get_be16(b, &plen) || !cap_get_u8(b, &nh) ||
	    !cap_get_u8(b, &hlim) || cap_left(b) < 32)
		return fail(layer, CAP_L_NET, wire_left < 40 ? CAP_INVALID : CAP_TRUNC);
	if ((vtf >> 28) != 6)
		return fail(layer, CAP_L_NET, CAP_INVALID);
	p->fam = 6;
	memcpy(p->src, b->cur, 16);
	memcpy(p->dst, b->cur + 16, 16);
	b->cur += 32;
	/* payload length 0: jumbogram or a GSO super-frame; use the frame */
	uint32_t len = plen ? plen : wire_left - 40;
	if (len > wire_left - 40)
		len = wire_left - 40;
	if (cap_left(b) > len)
		b->end = b->cur + len;
	/* extension headers (RFC 8200 4.1), a bounded number of them */
	for (int i = 0; i < 8; i++) {
		uint8_t next, hl;
		switch (nh) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
			if (!cap_get_u8(b, &next) || !cap_get_u8(b, &hl))
				return fail(layer, CAP_L_NET, CAP_TRUNC);
			if ((uint32_t)(hl + 1) * 8 > len)
				return fail(layer, CAP_L_NET, CAP_INVALID);
			if (!cap_skip(b, (size_t)(hl + 1) * 8 - 2))
				return fail(layer, CAP_L_NET, CAP_TRUNC);
			len -= (uint32_t)(hl + 1) * 8;
			nh = next;
			continue;
		case 51: /* AH: length in 4-byte units, minus 2 */
			if (!cap_get_u8(b, &next) || !cap_get_u8(b, &hl))
				return fail(layer, CAP_L_NET, CAP_TRUNC);
			if ((uint32_t)(hl + 2) * 4 > len)
				return fail(layer, CAP_L_NET, CAP_INVALID);
			if (!cap_skip(b, (size_t)(hl + 2) * 4 - 2))
				return fail(layer, CAP_L_NET, CAP_TRUNC);
			len -= (uint32_t)(hl + 2) * 4;
			nh = next;
			continue;
		case 44: { /* fragment */
			uint16_t offm;
			uint32_t id;
			if (len < 8)
				return fail(layer, CAP_L_NET, CAP_INVALID);
			if (!cap_get_u8(b, &next) || !cap_get_u8(b, &hl) || !cap_get_be16(b, &offm) ||
			    !cap_get_be32(b, &id))
				return fail(layer, CAP_L_NET, CAP_TRUNC);
			len -= 8;
			if ((offm & 0xfff9) != 0) {
				p->frag = 1;
				p->frag_more = offm & 1;
				p->frag_off = (uint32_t)(offm >> 3) * 8;
				p->frag_id = id;
			}
			nh = next;
			continue;
		}
		default:
			return dec_l4(b, nh, len, p, layer);
		}
	}
	return fail(layer, CAP_L_NET, CAP_INVALID);
}

static int dec_ethertype(struct cap_buf *b, uint16_t et, uint32_t wire_left, struct cap_pkt *p, int *layer)
{
	/* 802.1Q / 802.1ad tags, stacked (QinQ); a bounded number */
	for (int i = 0; i < 4 && (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD); i++) {
		uint16_t tci;
		if (!cap_get_be16(b, &tci) || !cap_get_be16(b, &et))
			return fail(layer, CAP_L_LINK, wire_left < 4 ? CAP_INVALID : CAP_TRUNC);
		wire_left -= 4;
	}
	if (et == ET_IPV4)
		return dec_ipv4(b, wire_left, p, layer);
	if (et == ET_IPV6)
		return dec_ipv6(b, wire_left, p, layer);
	return CAP_OK; /* not IP: of no interest */
}

int cap_decode(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen, struct cap_pkt *p, int *layer)
{
	struct cap_buf b = {data, data + caplen};
	uint16_t et;
	uint32_t af;

	p->proto = 0;
	p->fam = 0;
	p->frag = 0;
	p->pl_len = p->pl_cap = 0;
	p->pl = NULL;
	p->l3 = p->l4 = NULL;
	if (wirelen < caplen)
		wirelen = caplen; /* a broken record header: trust what we hold */
	switch (dlt) {
	case CAP_DLT_EN10MB:
		if (!cap_skip(&b, 12) || !cap_get_be16(&b, &et))
			return fail(layer, CAP_L_LINK, wirelen < 14 ? CAP_INVALID : CAP_TRUNC);
		return dec_ethertype(&b, et, wirelen - 14, p, layer);
	case CAP_DLT_LINUX_SLL: /* 16 bytes, protocol last */
		if (!cap_skip(&b, 14) || !cap_get_be16(&b, &et))
			return fail(layer, CAP_L_LINK, wirelen < 16 ? CAP_INVALID : CAP_TRUNC);
		return dec_ethertype(&b, et, wirelen - 16, p, layer);
	case CAP_DLT_LINUX_SLL2: /* 20 bytes, protocol first */
		if (!cap_get_be16(&b, &et) || !cap_skip(&b, 18))
			return fail(layer, CAP_L_LINK, wirelen < 20 ? CAP_INVALID : CAP_TRUNC);
		return dec_ethertype(&b, et, wirelen - 20, p, layer);
	case CAP_DLT_RAW:
	case CAP_DLT_RAW_BSD: {
		uint8_t v;
		if (caplen < 1)
			return fail(layer, CAP_L_NET, wirelen < 1 ? CAP_INVALID : CAP_TRUNC);
		v = data[0] >> 4;
		if (v == 4)
			return dec_ipv4(&b, wirelen, p, layer);
		if (v == 6)
			return dec_ipv6(&b, wirelen, p, layer);
		return fail(layer, CAP_L_NET, CAP_INVALID);
	}
	case CAP_DLT_IPV4:
		return dec_ipv4(&b, wirelen, p, layer);
	case CAP_DLT_IPV6:
		return dec_ipv6(&b, wirelen, p, layer);
	case CAP_DLT_NULL:
	case CAP_DLT_LOOP:
		if (caplen < 4)
			return fail(layer, CAP_L_LINK, wirelen < 4 ? CAP_INVALID : CAP_TRUNC);
		/* DLT_NULL's family is in the capturing host's byte order: accept both */
		af = cap_be32(data);
		if (af > 0xffff)
			af = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
		b.cur += 4;
		if (af == 2)
			return dec_ipv4(&b, wirelen - 4, p, layer);
		if (af == 10 || af == 24 || af == 28 || af == 30)
			return dec_ipv6(&b, wirelen - 4, p, layer);
		return CAP_OK;
	}
	return fail(layer, CAP_L_LINK, CAP_INVALID);
}

uint16_t cap_inet_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
