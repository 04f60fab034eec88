// SPDX-License-Identifier: GPL-2.0
/*
 * BTF as documented in Documentation/bpf/btf.rst: a header, a type section of
 * variable-length records numbered from 1, and a string section.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/btf.h"

enum {
	K_INT = 1,
	K_PTR,
	K_ARRAY,
	K_STRUCT,
	K_UNION,
	K_ENUM,
	K_FWD,
	K_TYPEDEF,
	K_VOLATILE,
	K_CONST,
	K_RESTRICT,
	K_FUNC,
	K_FUNC_PROTO,
	K_VAR,
	K_DATASEC,
	K_FLOAT,
	K_DECL_TAG,
	K_TYPE_TAG,
	K_ENUM64,
};

struct btf_type {
	uint32_t name_off, info, size_type;
};

struct btf {
	uint8_t *data;
	size_t len;
	const char *strs;
	uint32_t str_len;
	const struct btf_type **types; /* by id; [0] is void */
	uint32_t ntypes;
};

static unsigned kind_of(const struct btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

static unsigned vlen_of(const struct btf_type *t)
{
	return t->info & 0xffff;
}

static size_t extra_size(const struct btf_type *t)
{
	switch (kind_of(t)) {
	case K_INT:
	case K_VAR:
	case K_DECL_TAG:
		return 4;
	case K_ARRAY:
		return 12;
	case K_STRUCT:
	case K_UNION:
	case K_DATASEC:
	case K_ENUM64:
		return 12ul * vlen_of(t);
	case K_ENUM:
	case K_FUNC_PROTO:
		return 8ul * vlen_of(t);
	default:
		return 0;
	}
}

static const char *str_at(const struct btf *b, uint32_t off)
{
	return off < b->str_len ? b->strs + off : "";
}

struct btf *btf_open(const char *path, char *err, size_t errlen)
{
	struct btf *b = calloc(1, sizeof(*b));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint32_t hdr_len, type_off, type_len, str_off;
	size_t cap = 1024, pos, end;
	ssize_t n;

	if (!b || fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* sysfs reports no size: read until the end */
	b->data = malloc(cap = 8 << 20);
	while (b->data && (n = read(fd, b->data + b->len, cap - b->len)) > 0) {
		b->len += (size_t)n;
		if (b->len == cap) {
			uint8_t *d = realloc(b->data, cap *= 2);

			if (!d)
				break;
			b->data = d;
		}
	}
	if (!b->data || b->len < 24 || b->data[0] != 0x9f || b->data[1] != 0xeb) {
		snprintf(err, errlen, "%s: not BTF (bad magic or too short)", path);
		goto fail;
	}
	memcpy(&hdr_len, b->data + 4, 4);
	memcpy(&type_off, b->data + 8, 4);
	memcpy(&type_len, b->data + 12, 4);
	memcpy(&str_off, b->data + 16, 4);
	memcpy(&b->str_len, b->data + 20, 4);
	if ((uint64_t)hdr_len + type_off + type_len > b->len ||
	    (uint64_t)hdr_len + str_off + b->str_len > b->len) {
		snprintf(err, errlen, "%s: section beyond the end of the file", path);
		goto fail;
	}
	b->strs = (const char *)b->data + hdr_len + str_off;
	b->types = malloc(sizeof(*b->types) * (type_len / 12 + 2));
	if (!b->types)
		goto fail;
	b->types[0] = NULL;
	b->ntypes = 1;
	for (pos = hdr_len + type_off, end = pos + type_len; pos + 12 <= end;) {
		const struct btf_type *t = (const struct btf_type *)(b->data + pos);

		pos += 12 + extra_size(t);
		if (pos > end) {
			snprintf(err, errlen, "%s: type %u runs past the type section", path,
				 b->ntypes);
			goto fail;
		}
		b->types[b->ntypes++] = t;
	}
	close(fd);
	return b;
fail:
	if (fd >= 0)
		close(fd);
	btf_close(b);
	return NULL;
}

void btf_close(struct btf *b)
{
	if (!b)
		return;
	free(b->types);
	free(b->data);
	free(b);
}

static const struct btf_type *by_id(const struct btf *b, uint32_t id)
{
	return id && id < b->ntypes ? b->types[id] : NULL;
}

/* Skip typedefs and qualifiers. */
static const struct btf_type *resolve(const struct btf *b, uint32_t id)
{
	const struct btf_type *t = by_id(b, id);

	for (int i = 0; t && i < 32; i++) {
		unsigned k = kind_of(t);

		if (k != K_TYPEDEF && k != K_VOLATILE && k != K_CONST && k != K_RESTRICT &&
		    k != K_TYPE_TAG)
			break;
		t = by_id(b, t->size_type);
	}
	return t;
}

static long member_in(const struct btf *b, const struct btf_type *t, const char *member, int depth)
{
	const uint32_t *m = (const uint32_t *)(t + 1);
	bool kflag = t->info >> 31;

	if (depth > 8)
		return -1;
	for (unsigned i = 0; i < vlen_of(t); i++, m += 3) {
		uint32_t bits = kflag ? (m[2] & 0xffffff) : m[2];
		const struct btf_type *mt;
		long off;

		if (m[0] && !strcmp(str_at(b, m[0]), member))
			return bits / 8;
		if (m[0])
			continue;
		mt = resolve(b, m[1]);
		if (mt && (kind_of(mt) == K_STRUCT || kind_of(mt) == K_UNION) &&
		    (off = member_in(b, mt, member, depth + 1)) >= 0)
			return bits / 8 + off;
	}
	return -1;
}

long btf_member_offset(const struct btf *b, const char *sname, const char *member)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = b->types[id];

		if (kind_of(t) == K_STRUCT && vlen_of(t) && !strcmp(str_at(b, t->name_off), sname))
			return member_in(b, t, member, 0);
	}
	return -1;
}

long btf_struct_size(const struct btf *b, const char *sname)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = b->types[id];

		if (kind_of(t) == K_STRUCT && vlen_of(t) && !strcmp(str_at(b, t->name_off), sname))
			return t->size_type;
	}
	return -1;
}

int btf_func_params(const struct btf *b, const char *fname, const char **names, int max)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = b->types[id], *proto;
		const uint32_t *p;
		int n;

		if (kind_of(t) != K_FUNC || strcmp(str_at(b, t->name_off), fname))
			continue;
		proto = by_id(b, t->size_type);
		if (!proto || kind_of(proto) != K_FUNC_PROTO)
			return -1;
		p = (const uint32_t *)(proto + 1);
		n = (int)vlen_of(proto);
		for (int i = 0; i < n && i < max; i++)
			names[i] = str_at(b, p[2 * i]);
		return n;
	}
	return -1;
}

int btf_enum_value(const struct btf *b, const char *name, long long *val)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = b->types[id];
		const uint32_t *e = (const uint32_t *)(t + 1);

		if (kind_of(t) == K_ENUM) {
			for (unsigned i = 0; i < vlen_of(t); i++, e += 2)
				if (!strcmp(str_at(b, e[0]), name)) {
					*val = (int32_t)e[1];
					return 0;
				}
		} else if (kind_of(t) == K_ENUM64) {
			for (unsigned i = 0; i < vlen_of(t); i++, e += 3)
				if (!strcmp(str_at(b, e[0]), name)) {
					*val = (long long)((uint64_t)e[2] << 32 | e[1]);
					return 0;
				}
		}
	}
	return -1;
}
