// SPDX-License-Identifier: GPL-2.0
/*
 * A small reader of the kernel's BTF (/sys/kernel/btf/vmlinux): struct
 * member offsets, struct sizes and enumerator values, so that no kprobe
 * fetcharg carries a hard-coded offset (recorder-sources.md §2.2). Layout:
 * include/uapi/linux/btf.h@6.12.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/kprobe.h"

#define BTF_MAGIC 0xeB9F
enum {
	BTF_INT = 1, BTF_PTR, BTF_ARRAY, BTF_STRUCT, BTF_UNION, BTF_ENUM, BTF_FWD, BTF_TYPEDEF,
	BTF_VOLATILE, BTF_CONST, BTF_RESTRICT, BTF_FUNC, BTF_FUNC_PROTO, BTF_VAR, BTF_DATASEC,
	BTF_FLOAT, BTF_DECL_TAG, BTF_TYPE_TAG, BTF_ENUM64,
};

struct btf_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

struct btf_type {
	uint32_t name_off, info, size_type;
};

struct btf_member {
	uint32_t name_off, type, offset;
};

static char *data;
static const char *strs;
static uint32_t str_len;
static const struct btf_type **types;	/* by type id; [0] is void */
static uint32_t ntypes;

static unsigned kind_of(const struct btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

static unsigned vlen_of(const struct btf_type *t)
{
	return t->info & 0xffff;
}

static const char *name_of(uint32_t off)
{
	return off < str_len ? strs + off : "";
}

/* Bytes after the common header for this type's kind, or -1 if unknown. */
static long extra_of(const struct btf_type *t)
{
	switch (kind_of(t)) {
	case BTF_INT: case BTF_VAR: case BTF_DECL_TAG:
		return 4;
	case BTF_ARRAY:
		return 12;
	case BTF_STRUCT: case BTF_UNION: case BTF_DATASEC: case BTF_ENUM64:
		return 12l * vlen_of(t);
	case BTF_ENUM: case BTF_FUNC_PROTO:
		return 8l * vlen_of(t);
	case BTF_PTR: case BTF_FWD: case BTF_TYPEDEF: case BTF_VOLATILE: case BTF_CONST:
	case BTF_RESTRICT: case BTF_FUNC: case BTF_FLOAT: case BTF_TYPE_TAG:
		return 0;
	}
	return -1;
}

int kbtf_open(const char *path, char *err, size_t errlen)
{
	const struct btf_hdr *h;
	struct stat st;
	size_t cap = 1 << 16, off;
	ssize_t got, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s (the kernel has no BTF)", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* sysfs reports size 0 for some files: read until EOF */
	if (st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	data = malloc(cap);
	while (data && (got = read(fd, data + total, cap - total)) > 0) {
		total += got;
		if ((size_t)total == cap) {
			char *n = realloc(data, cap *= 2);

			if (!n)
				break;
			data = n;
		}
	}
	close(fd);
	h = (const struct btf_hdr *)data;
	if (!data || (size_t)total < sizeof(*h) || h->magic != BTF_MAGIC ||
	    (size_t)h->hdr_len + h->str_off + h->str_len > (size_t)total ||
	    (size_t)h->hdr_len + h->type_off + h->type_len > (size_t)total) {
		snprintf(err, errlen, "%s: offset 0: not a BTF blob", path);
		kbtf_close();
		return -1;
	}
	strs = data + h->hdr_len + h->str_off;
	str_len = h->str_len;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t n = 1;

		for (off = 0; off + sizeof(struct btf_type) <= h->type_len; n++) {
			const struct btf_type *t =
				(const void *)(data + h->hdr_len + h->type_off + off);
			long extra = extra_of(t);

			if (extra < 0) {
				snprintf(err, errlen, "%s: type %u: unknown kind %u", path, n,
					 kind_of(t));
				kbtf_close();
				return -1;
			}
			if (pass)
				types[n] = t;
			off += sizeof(*t) + (size_t)extra;
		}
		if (!pass) {
			ntypes = n;
			types = calloc(n, sizeof(*types));
			if (!types) {
				snprintf(err, errlen, "%s: out of memory", path);
				kbtf_close();
				return -1;
			}
		}
	}
	return 0;
}

void kbtf_close(void)
{
	free(data);
	free(types);
	data = NULL;
	types = NULL;
	ntypes = 0;
}

static const struct btf_type *find(unsigned kind, const char *name)
{
	for (uint32_t i = 1; i < ntypes; i++)
		if (kind_of(types[i]) == kind && !strcmp(name_of(types[i]->name_off), name) &&
		    (kind != BTF_STRUCT || vlen_of(types[i])))
			return types[i];
	return NULL;
}

static const struct btf_type *strip(uint32_t id)
{
	while (id && id < ntypes) {
		const struct btf_type *t = types[id];
		unsigned k = kind_of(t);

		if (k != BTF_TYPEDEF && k != BTF_VOLATILE && k != BTF_CONST && k != BTF_RESTRICT &&
		    k != BTF_TYPE_TAG)
			return t;
		id = t->size_type;
	}
	return NULL;
}

/* Offset in bits of member in t, looking into anonymous structs and unions. */
static long member_bits(const struct btf_type *t, const char *member)
{
	const struct btf_member *m = (const void *)(t + 1);
	bool bitfields = t->info >> 31;

	for (unsigned i = 0; i < vlen_of(t); i++) {
		long bits = bitfields ? (m[i].offset & 0xffffff) : m[i].offset;
		const struct btf_type *mt;
		long inner;

		if (!strcmp(name_of(m[i].name_off), member))
			return bits;
		if (m[i].name_off && *name_of(m[i].name_off))
			continue;
		mt = strip(m[i].type);
		if (mt && (kind_of(mt) == BTF_STRUCT || kind_of(mt) == BTF_UNION) &&
		    (inner = member_bits(mt, member)) >= 0)
			return bits + inner;
	}
	return -1;
}

long kbtf_member(const char *name, const char *member)
{
	const struct btf_type *t = find(BTF_STRUCT, name);
	long bits = t ? member_bits(t, member) : -1;

	return bits < 0 || bits % 8 ? -1 : bits / 8;
}

long kbtf_size(const char *name)
{
	const struct btf_type *t = find(BTF_STRUCT, name);

	return t ? (long)t->size_type : -1;
}

long kbtf_enum(const char *name, const char *val)
{
	const struct btf_type *t = find(BTF_ENUM, name);
	const uint32_t *e = t ? (const void *)(t + 1) : NULL;

	for (unsigned i = 0; e && i < vlen_of(t); i++)
		if (!strcmp(name_of(e[2 * i]), val))
			return (long)(int32_t)e[2 * i + 1];
	return -1;
}
