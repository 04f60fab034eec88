/* SPDX-License-Identifier: GPL-2.0 */
/* A small reader of the kernel's BTF (/sys/kernel/btf/vmlinux): struct member
 * offsets, function parameter names and enum values, nothing more. */
#ifndef MAPCOUNT_BTF_H
#define MAPCOUNT_BTF_H

#include <stddef.h>

struct btf;

/* NULL with "path: what" in err. */
struct btf *btf_open(const char *path, char *err, size_t errlen);
void btf_close(struct btf *b);
/* Byte offset of member in struct sname, looking into anonymous struct and
 * union members; -1 if there is no such struct or member. */
long btf_member_offset(const struct btf *b, const char *sname, const char *member);
/* sizeof(struct sname), or -1. */
long btf_struct_size(const struct btf *b, const char *sname);
/* Parameter names of function fname (up to max); the count, or -1. */
int btf_func_params(const struct btf *b, const char *fname, const char **names, int max);
/* Value of an enumerator (e.g. PG_head); 0 if found, -1 if not. */
int btf_enum_value(const struct btf *b, const char *name, long long *val);

#endif
