// SPDX-License-Identifier: GPL-2.0
/*
 * The folio table: which folio (head PFN, order, kind) holds a PFN, read from
 * /proc/kpageflags. A tail page reports its folio's flags plus
 * COMPOUND_TAIL (fs/proc/page.c:stable_page_flags@6.12), and folios are
 * naturally aligned, so one read of the 512-entry block around a PFN finds
 * head and order for every folio up to PMD order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder/record.h"

#define KPF_MMAP 11
#define KPF_ANON 12
#define KPF_SWAPBACKED 14
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_NOPAGE 20
#define KPF_KSM 21
#define KPF_OFFLINE 23
#define KPF_ZERO_PAGE 24
#define KPF_PGTABLE 26
#define BIT(b) (1ull << (b))
/* Not modelled: holes, zero pages, hugetlb. Reserved pages stay: the vdso
 * is one, rmapped and counted by smaps. */
#define KPF_SKIP \
	(BIT(KPF_NOPAGE) | BIT(KPF_ZERO_PAGE) | BIT(KPF_HUGE) | BIT(KPF_OFFLINE) | BIT(KPF_PGTABLE))

static int kpf_fd = -1, kpc_fd = -1;
static bool trusted; /* Source A: the cache holds what the probes said */
static struct u64map folios; /* head pfn -> struct folio * */
static struct folio *last;

int folios_open(char *err, size_t errlen)
{
	kpf_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	kpc_fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (kpf_fd < 0 || kpc_fd < 0) {
		snprintf(err, errlen, "/proc/kpageflags: %s (record needs root)", strerror(errno));
		return -1;
	}
	return 0;
}

void folios_close(void)
{
	u64map_for_each(&folios, i) free(folios.vals[i]);
	u64map_free(&folios);
	if (kpf_fd >= 0)
		close(kpf_fd);
	if (kpc_fd >= 0)
		close(kpc_fd);
	kpf_fd = kpc_fd = -1;
	last = NULL;
}

static int pread_u64(int fd, uint64_t idx, size_t n, uint64_t *out)
{
	ssize_t got = pread(fd, out, n * 8, (off_t)(idx * 8));

	if (got < 0)
		return -1;
	if ((size_t)got < n * 8)
		memset((char *)out + got, 0, n * 8 - got);
	return 0;
}

int kpagecount_read(uint64_t pfn, size_t n, uint64_t *out)
{
	return pread_u64(kpc_fd, pfn, n, out);
}

struct folio *folio_cached(uint64_t pfn)
{
	if (last && pfn - last->head < (1ull << last->order))
		return last;
	for (unsigned o = 0; o <= PMD_ORDER; o++) {
		struct folio *f = u64map_get(&folios, pfn & ~((1ull << o) - 1));

		if (f && f->order >= o && pfn - f->head < (1ull << f->order))
			return last = f;
	}
	return NULL;
}

struct parsed {
	uint64_t head;
	unsigned order, kind;
	bool skip;
};

/* Find the folio holding pfn in a block of n flags starting at base; kpf[n]
 * is the entry after the block. */
static bool parse_folio(const uint64_t *kpf, uint64_t base, size_t n, uint64_t pfn,
			struct parsed *p)
{
	size_t i = pfn - base, h = i, end;
	uint64_t fl = kpf[i];

	while (h > 0 && (kpf[h] & BIT(KPF_COMPOUND_TAIL)))
		h--;
	if ((kpf[h] & BIT(KPF_COMPOUND_TAIL)) ||
	    ((kpf[i] & BIT(KPF_COMPOUND_TAIL)) && !(kpf[h] & BIT(KPF_COMPOUND_HEAD))))
		return false;
	end = h + 1;
	if (kpf[h] & BIT(KPF_COMPOUND_HEAD))
		while (end < n && (kpf[end] & BIT(KPF_COMPOUND_TAIL)))
			end++;
	if (end == n && (kpf[n] & BIT(KPF_COMPOUND_TAIL)))
		return false; /* larger than PMD order: not modelled */
	p->head = base + h;
	p->order = __builtin_ctzll(end - h);
	if ((end - h) & (end - h - 1) || p->head & ((1ull << p->order) - 1))
		return false; /* read while the folio was changing */
	p->skip = (fl & KPF_SKIP) || !(fl & BIT(KPF_MMAP));
	if (fl & BIT(KPF_ANON))
		p->kind = (fl & BIT(KPF_KSM)) ? FK_ANON | FK_KSM : FK_ANON;
	else
		p->kind = (fl & BIT(KPF_SWAPBACKED)) ? FK_SHMEM : FK_FILE;
	return true;
}

/* Blocks of kpageflags read in this pass: pages in one block are resolved
 * with one read while the recorder reconciles. */
#define BLOCK_CACHE 16
static struct kpf_block {
	uint64_t base;
	uint64_t pass;
	uint64_t kpf[WIN_PAGES + 1];
} blocks[BLOCK_CACHE];
static uint64_t pass = 1;

void folio_new_pass(void)
{
	pass++;
}

/* The flags of a span of PFNs that a window newly maps, read in one go. */
#define SPAN_MAX 4096
static uint64_t span[SPAN_MAX], span_base, span_n, span_pass;

void folio_prefetch(const uint64_t *pfns, size_t n)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (size_t i = 0; i < n; i++) {
		if (!pfns[i])
			continue;
		lo = pfns[i] < lo ? pfns[i] : lo;
		hi = pfns[i] > hi ? pfns[i] : hi;
	}
	if (lo > hi || hi - lo >= SPAN_MAX ||
	    (span_pass == pass && lo >= span_base && hi < span_base + span_n))
		return;
	if (pread_u64(kpf_fd, lo, hi - lo + 1, span))
		return;
	span_base = lo;
	span_n = hi - lo + 1;
	span_pass = pass;
}

static bool read_parsed(uint64_t pfn, struct parsed *p)
{
	uint64_t base = pfn & ~(uint64_t)(WIN_PAGES - 1);
	struct kpf_block *b = &blocks[(base / WIN_PAGES) % BLOCK_CACHE];

	if (b->pass != pass || b->base != base) {
		uint64_t one[2] = {0, 0};

		/* most pages are small folios: one entry tells, and is 500x cheaper */
		if (span_pass == pass && pfn - span_base < span_n)
			one[0] = span[pfn - span_base];
		else if (pread_u64(kpf_fd, pfn, 1, one))
			return false;
		if (!(one[0] & (BIT(KPF_COMPOUND_HEAD) | BIT(KPF_COMPOUND_TAIL))))
			return parse_folio(one, pfn, 1, pfn, p);
		if (pread_u64(kpf_fd, base, WIN_PAGES + 1, b->kpf))
			return false;
		b->base = base;
		b->pass = pass;
	}
	return parse_folio(b->kpf, base, WIN_PAGES, pfn, p);
}

static struct folio *insert(const struct parsed *p)
{
	struct folio *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->head = p->head;
	f->order = p->order;
	f->kind = p->kind;
	f->fresh = true;
	if (u64map_put(&folios, f->head, f)) {
		free(f);
		return NULL;
	}
	return last = f;
}

static void forget(struct folio *f)
{
	u64map_del(&folios, f->head);
	if (last == f)
		last = NULL;
	free(f);
}

/* Drop cached folios overlapping [head, head + 2^order) that nothing maps. */
static bool make_room(const struct parsed *p)
{
	for (uint64_t pfn = p->head; pfn < p->head + (1ull << p->order);) {
		struct folio *f = folio_cached(pfn);

		if (!f) {
			pfn++;
			continue;
		}
		if (f->mapped)
			return false;
		pfn = f->head + (1ull << f->order);
		forget(f);
	}
	return true;
}

/*
 * The cached folio f no longer matches kpageflags at pfn. If it is still
 * mapped and the page now sits in a smaller folio inside it, the kernel
 * split it: say so with SPLIT and cache the pieces.
 */
static struct folio *revalidate(struct folio *f, const struct parsed *p)
{
	uint64_t head = f->head, mapped = f->mapped;
	unsigned order = f->order, kind = f->kind;

	if (mapped && p->order < order && p->head >= head &&
	    p->head + (1ull << p->order) <= head + (1ull << order)) {
		emit_split(head, p->order);
		forget(f);
		for (uint64_t h = head; h < head + (1ull << order); h += 1ull << p->order) {
			struct parsed piece = {.head = h, .order = p->order, .kind = kind};
			struct folio *n = insert(&piece);

			if (!n)
				return NULL;
			n->announced = true;
			n->fresh = false;
			n->mapped = 1; /* exact counts come back with folio_recount */
		}
		shadow_recount_request();
		return folio_cached(p->head);
	}
	if (mapped)
		return NULL; /* in use but unrecognisable: leave it to a rescan */
	forget(f);
	if (!make_room(p))
		return NULL;
	return insert(p);
}

void folio_trust_cache(bool on)
{
	trusted = on;
}

struct folio *folio_note(uint64_t head, unsigned order, unsigned kind, bool fresh)
{
	struct parsed p = {.head = head, .order = order, .kind = kind};
	struct folio *f = folio_cached(head);

	if (f && f->head == head && f->order == order) {
		f->kind = (uint8_t)kind;
	} else if (f) {
		f = revalidate(f, &p);
	} else {
		f = make_room(&p) ? insert(&p) : NULL;
		if (f)
			f->fresh = fresh;
	}
	return f;
}

struct folio *folio_of(uint64_t pfn, bool verify)
{
	struct folio *f = folio_cached(pfn);
	struct parsed p;

	if (f && (!verify || trusted))
		return f;
	if (!read_parsed(pfn, &p) || p.skip)
		return NULL;
	if (f) {
		if (f->head == p.head && f->order == p.order) {
			f->kind = p.kind;
			return f;
		}
		return revalidate(f, &p);
	}
	if (!make_room(&p))
		return NULL;
	return insert(&p);
}

void folio_reset_counts(void)
{
	u64map_for_each(&folios, i)((struct folio *)folios.vals[i])->mapped = 0;
}

void folio_forget_unmapped(void)
{
	size_t n = 0;
	uint64_t *heads = malloc(folios.n * sizeof(*heads) + 1);

	if (!heads)
		return;
	u64map_for_each(&folios, i) if (!((struct folio *)folios.vals[i])->mapped) heads[n++] =
		folios.keys[i];
	for (size_t i = 0; i < n; i++)
		forget(u64map_get(&folios, heads[i]));
	free(heads);
}

size_t folio_count(void)
{
	return folios.n;
}

void folio_check_splits(void)
{
	size_t n = 0;
	uint64_t *heads = malloc(folios.n * sizeof(*heads) + 1);

	if (!heads)
		return;
	u64map_for_each(&folios, i)
	{
		struct folio *f = folios.vals[i];

		if (f->order && f->mapped)
			heads[n++] = f->head;
	}
	for (size_t i = 0; i < n; i++) {
		struct folio *f = u64map_get(&folios, heads[i]);

		if (f)
			folio_of(f->head + (1ull << f->order) - 1, true);
	}
	free(heads);
}
