// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-spec conformance agent: performs the in-kernel entry points of the trace vocabulary
 * (spec/calls.ts) on the guest's PCI devices and returns each kernel return value unchanged.
 *
 * Protocol: user space (agentctl) writes one command line to /proc/iommu_agent and reads one
 * reply line back. Commands:
 *   dev NAME BDF          bind a scenario device name to a PCI device (holds a reference)
 *   group NAME DEVNAME    bind a scenario group name to the device's iommu_group
 *   buf NAME SIZE         allocate a buffer (page-aligned, zeroed) for dma_map_single/iommu_map
 *   regroup NAME          re-read the group's default domain (after a sysfs type change)
 *   call CALL key=value...  perform a kernel entry point
 *   teardown              undo everything the agent holds
 * Replies: "i <integer>", "n <name>" (a domain the trace can name), "u <reason>" (the call does
 * not exist on this kernel), "e <message>" (a harness error: unknown name, bad argument).
 * Names are percent-encoded by the host (no spaces inside a token).
 */
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/delay.h>
#include <linux/version.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("iommu-spec conformance agent");

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define HAVE_GROUP_REPLACE 1
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("IOMMUFD_INTERNAL");
#else
MODULE_IMPORT_NS(IOMMUFD_INTERNAL);
#endif
/* declared in drivers/iommu/iommu-priv.h, which the headers package does not ship */
int iommu_group_replace_domain(struct iommu_group *group, struct iommu_domain *new_domain);
#endif

#define MAX_NAMES 32
#define NAME_LEN 72
#define MAX_PASIDS 64
#define MAX_MAPS 64

struct named_dev {
	char name[NAME_LEN];
	struct pci_dev *pdev;
};
struct named_group {
	char name[NAME_LEN];
	struct iommu_group *group;
	struct device *dev; /* a member, to ask for the group's current domain */
	struct iommu_domain *default_domain;
	/*
	 * group->blocking_domain as seen once a claim put the group on it: on 6.12 VT-d's static
	 * blocked domain, on 6.1 an empty UNMANAGED domain the core allocates when the driver has no
	 * IOMMU_DOMAIN_BLOCKED (__iommu_group_alloc_blocking_domain); it lives as long as the group.
	 */
	struct iommu_domain *blocking_domain;
	int claims; /* iommu_group_claim_dma_owner successes not yet released */
};
struct named_domain {
	char name[NAME_LEN];
	struct iommu_domain *domain;
	int borrowed; /* a name for a domain the core owns (iommu_get_domain_for_dev "as"): never freed */
	struct iommu_iotlb_gather gather;
	int gather_live;
};
struct named_buf {
	char name[NAME_LEN];
	void *va;
	size_t size;
};
struct pasid_att {
	struct iommu_domain *domain;
	struct device *dev;
	u32 pasid;
	int live;
};
struct dma_map {
	struct device *dev;
	dma_addr_t iova;
	size_t size;
	int live;
};

static struct named_dev devs[MAX_NAMES];
static struct named_group groups[MAX_NAMES];
static struct named_domain doms[MAX_NAMES];
static struct named_buf bufs[MAX_NAMES];
static char owner_names[MAX_NAMES][NAME_LEN];
static char owner_cookies[MAX_NAMES]; /* &owner_cookies[i] is owner i's cookie */
static int dev_claims[MAX_NAMES] __maybe_unused;
static struct pasid_att pasids[MAX_PASIDS];
static u32 global_pasids[MAX_PASIDS] __maybe_unused;
static int global_pasid_live[MAX_PASIDS] __maybe_unused;
static struct dma_map maps[MAX_MAPS];

static DEFINE_MUTEX(agent_lock);
static char reply[512];

static void set_reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reply, sizeof(reply), fmt, ap);
	va_end(ap);
}

/* ---- argument parsing ---- */

#define MAX_ARGS 8
struct args {
	int n;
	char *key[MAX_ARGS];
	char *val[MAX_ARGS];
};

static void pct_decode(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '%' && isxdigit(s[1]) && isxdigit(s[2])) {
			*o++ = (hex_to_bin(s[1]) << 4) | hex_to_bin(s[2]);
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

static const char *arg(const struct args *a, const char *key)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->key[i], key))
			return a->val[i];
	return NULL;
}

static struct named_dev *find_dev(const char *name)
{
	int i;

	for (i = 0; name && i < MAX_NAMES; i++)
		if (devs[i].pdev && !strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

static struct named_group *find_group(const char *name)
{
	int i;

	for (i = 0; name && i < MAX_NAMES; i++)
		if (groups[i].group && !strcmp(groups[i].name, name))
			return &groups[i];
	return NULL;
}

static struct named_group *group_of_dev(struct device *dev)
{
	struct iommu_group *g = iommu_group_get(dev);
	int i;

	if (!g)
		return NULL;
	iommu_group_put(g);
	for (i = 0; i < MAX_NAMES; i++)
		if (groups[i].group == g)
			return &groups[i];
	return NULL;
}

static struct named_domain *find_domain_named(const char *name)
{
	int i;

	for (i = 0; name && i < MAX_NAMES; i++)
		if (doms[i].domain && !strcmp(doms[i].name, name))
			return &doms[i];
	return NULL;
}

static struct named_buf *find_buf(const char *name)
{
	int i;

	for (i = 0; name && i < MAX_NAMES; i++)
		if (bufs[i].va && !strcmp(bufs[i].name, name))
			return &bufs[i];
	return NULL;
}

/* "default:<group>", "blocking:<group>" or a name bound by "as" */
static int resolve_domain(const char *name, struct iommu_domain **out)
{
	struct named_domain *nd;
	struct named_group *g;
	struct iommu_domain *cur;

	if (!name)
		return -1;
	if (!strncmp(name, "default:", 8)) {
		g = find_group(name + 8);
		if (!g)
			return -1;
		*out = g->default_domain;
		return 0;
	}
	if (!strncmp(name, "blocking:", 9)) {
		g = find_group(name + 9);
		if (!g)
			return -1;
		if (g->blocking_domain) {
			*out = g->blocking_domain;
			return 0;
		}
		cur = iommu_get_domain_for_dev(g->dev);
		if (!cur || cur->type != IOMMU_DOMAIN_BLOCKED)
			return -2;
		*out = cur;
		return 0;
	}
	nd = find_domain_named(name);
	if (!nd)
		return -1;
	*out = nd->domain;
	return 0;
}

/* How a caller would name this domain: its "as" name, default:<group>, blocking:<group>. */
static void reply_domain(struct iommu_domain *d, struct device *dev)
{
	struct named_group *g = group_of_dev(dev);
	int i;

	if (!d) {
		set_reply("n NULL");
		return;
	}
	if (IS_ERR(d)) {
		set_reply("i %ld", PTR_ERR(d));
		return;
	}
	for (i = 0; i < MAX_NAMES; i++)
		if (doms[i].domain == d && !doms[i].borrowed) {
			set_reply("n %s", doms[i].name);
			return;
		}
	if (g && d == g->default_domain) {
		set_reply("n default:%s", g->name);
		return;
	}
	if (g && (d == g->blocking_domain || d->type == IOMMU_DOMAIN_BLOCKED)) {
		set_reply("n blocking:%s", g->name);
		return;
	}
	set_reply("n other:type=%u", d->type);
}

static int parse_u64(const char *s, u64 *v)
{
	if (!s)
		return -EINVAL;
	return kstrtou64(s, 0, v);
}

static void *owner_cookie(const char *name)
{
	int i, free_slot = -1;

	if (!name || !strcmp(name, "NULL"))
		return NULL;
	for (i = 0; i < MAX_NAMES; i++) {
		if (owner_names[i][0] && !strcmp(owner_names[i], name))
			return &owner_cookies[i];
		if (!owner_names[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return NULL;
	strscpy(owner_names[free_slot], name, NAME_LEN);
	return &owner_cookies[free_slot];
}

static int __maybe_unused dev_index(struct named_dev *nd)
{
	return nd - devs;
}

/* After a successful claim: a group on neither its default nor a user domain is on its blocking domain. */
static void note_blocking(struct named_group *g)
{
	struct iommu_domain *cur;
	int i;

	if (!g)
		return;
	cur = iommu_get_domain_for_dev(g->dev);
	if (!cur || cur == g->default_domain)
		return;
	for (i = 0; i < MAX_NAMES; i++)
		if (doms[i].domain == cur && !doms[i].borrowed)
			return;
	g->blocking_domain = cur;
}

/* ---- the calls ---- */

static void do_call(const char *call, const struct args *a)
{
	struct named_dev *nd = find_dev(arg(a, "dev"));
	struct device *dev = nd ? &nd->pdev->dev : NULL;
	struct named_group *ng = find_group(arg(a, "group"));
	struct iommu_domain *domain = NULL;
	const char *as __maybe_unused = arg(a, "as");
	int r, i;

	if (arg(a, "dev") && !dev) {
		set_reply("e no device %s", arg(a, "dev"));
		return;
	}
	if (arg(a, "group") && !ng) {
		set_reply("e no group %s", arg(a, "group"));
		return;
	}
	if (arg(a, "domain")) {
		r = resolve_domain(arg(a, "domain"), &domain);
		if (r == -2) {
			set_reply("u the agent reaches %s only while the group is on it (group->blocking_domain is private to the core)", arg(a, "domain"));
			return;
		}
		if (r) {
			set_reply("e no domain %s", arg(a, "domain"));
			return;
		}
	}

	if (!strcmp(call, "iommu_paging_domain_alloc")) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
		struct iommu_domain *d;
		int slot = -1;

		if (!as) {
			set_reply("e iommu_paging_domain_alloc needs as=");
			return;
		}
		for (i = 0; i < MAX_NAMES; i++)
			if (!doms[i].domain) {
				slot = i;
				break;
			}
		if (slot < 0) {
			set_reply("e too many domains");
			return;
		}
		d = iommu_paging_domain_alloc(dev);
		if (IS_ERR(d)) {
			set_reply("i %ld", PTR_ERR(d));
			return;
		}
		doms[slot].domain = d;
		doms[slot].borrowed = 0;
		strscpy(doms[slot].name, as, NAME_LEN);
		doms[slot].gather_live = 0;
		set_reply("n %s", as);
#else
		set_reply("u iommu_paging_domain_alloc(dev) is not in this kernel (added in v6.11; older kernels have iommu_domain_alloc(bus))");
#endif
		return;
	}
	if (!strcmp(call, "iommu_domain_free")) {
		for (i = 0; i < MAX_NAMES; i++)
			if (doms[i].domain == domain && !doms[i].borrowed)
				break;
		if (i == MAX_NAMES) {
			set_reply("u the agent frees only domains it allocated (freeing a core-owned domain corrupts the real kernel)");
			return;
		}
		iommu_domain_free(domain);
		doms[i].domain = NULL;
		doms[i].name[0] = 0;
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "iommu_get_domain_for_dev")) {
		struct iommu_domain *d = iommu_get_domain_for_dev(dev);

		reply_domain(d, dev);
		if (as && d) {
			/* the trace may pass this domain to later steps by its "as" name */
			for (i = 0; i < MAX_NAMES; i++)
				if (doms[i].domain && doms[i].borrowed && !strcmp(doms[i].name, as))
					break;
			if (i == MAX_NAMES)
				for (i = 0; i < MAX_NAMES && doms[i].domain; i++)
					;
			if (i < MAX_NAMES) {
				doms[i].domain = d;
				doms[i].borrowed = 1;
				strscpy(doms[i].name, as, NAME_LEN);
			}
		}
		return;
	}
	if (!strcmp(call, "iommu_attach_device")) {
		set_reply("i %d", iommu_attach_device(domain, dev));
		return;
	}
	if (!strcmp(call, "iommu_detach_device")) {
		iommu_detach_device(domain, dev);
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "iommu_attach_group")) {
		set_reply("i %d", iommu_attach_group(domain, ng->group));
		return;
	}
	if (!strcmp(call, "iommu_detach_group")) {
		iommu_detach_group(domain, ng->group);
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "iommu_group_replace_domain")) {
#ifdef HAVE_GROUP_REPLACE
		set_reply("i %d", iommu_group_replace_domain(ng->group, domain));
#else
		set_reply("u iommu_group_replace_domain is not in this kernel (added in v6.3)");
#endif
		return;
	}
	if (!strcmp(call, "iommu_device_claim_dma_owner") ||
	    !strcmp(call, "iommu_device_release_dma_owner")) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
		if (call[13] == 'c') {
			r = iommu_device_claim_dma_owner(dev, owner_cookie(arg(a, "owner")));
			if (!r) {
				dev_claims[dev_index(nd)]++;
				note_blocking(group_of_dev(dev));
			}
			set_reply("i %d", r);
		} else {
			iommu_device_release_dma_owner(dev);
			if (dev_claims[dev_index(nd)] > 0)
				dev_claims[dev_index(nd)]--;
			set_reply("i 0");
		}
#else
		set_reply("u %s is not in this kernel (added in v6.2)", call);
#endif
		return;
	}
	if (!strcmp(call, "iommu_group_claim_dma_owner")) {
		r = iommu_group_claim_dma_owner(ng->group, owner_cookie(arg(a, "owner")));
		if (!r) {
			ng->claims++;
			note_blocking(ng);
		}
		set_reply("i %d", r);
		return;
	}
	if (!strcmp(call, "iommu_group_release_dma_owner")) {
		iommu_group_release_dma_owner(ng->group);
		if (ng->claims > 0)
			ng->claims--;
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "iommu_attach_device_pasid") || !strcmp(call, "iommu_detach_device_pasid")) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
		u64 pasid;

		if (parse_u64(arg(a, "pasid"), &pasid)) {
			set_reply("e bad pasid");
			return;
		}
		if (arg(a, "handle")) {
			set_reply("u the agent passes no iommu_attach_handle (an iommufd-internal object)");
			return;
		}
		if (call[6] == 'a') {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
			r = iommu_attach_device_pasid(domain, dev, (ioasid_t)pasid, NULL);
#else
			r = iommu_attach_device_pasid(domain, dev, (ioasid_t)pasid);
#endif
			if (!r) {
				for (i = 0; i < MAX_PASIDS; i++)
					if (!pasids[i].live) {
						pasids[i] = (struct pasid_att){ domain, dev, (u32)pasid, 1 };
						break;
					}
			}
			set_reply("i %d", r);
		} else {
			iommu_detach_device_pasid(domain, dev, (ioasid_t)pasid);
			for (i = 0; i < MAX_PASIDS; i++)
				if (pasids[i].live && pasids[i].domain == domain && pasids[i].dev == dev &&
				    pasids[i].pasid == (u32)pasid)
					pasids[i].live = 0;
			set_reply("i 0");
		}
#else
		set_reply("u %s is not in this kernel (added in v6.2)", call);
#endif
		return;
	}
	if (!strcmp(call, "iommu_replace_device_pasid")) {
		set_reply("u iommu_replace_device_pasid is not in this kernel (added after v6.12)");
		return;
	}
	if (!strcmp(call, "iommu_alloc_global_pasid") || !strcmp(call, "iommu_free_global_pasid")) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
		if (!strcmp(call, "iommu_alloc_global_pasid")) {
			ioasid_t p = iommu_alloc_global_pasid(dev);

			if (p != IOMMU_PASID_INVALID) {
				for (i = 0; i < MAX_PASIDS; i++)
					if (!global_pasid_live[i]) {
						global_pasids[i] = p;
						global_pasid_live[i] = 1;
						break;
					}
				set_reply("i %u", p);
			} else {
				set_reply("i -1");
			}
		} else {
			u64 pasid;

			if (parse_u64(arg(a, "pasid"), &pasid)) {
				set_reply("e bad pasid");
				return;
			}
			iommu_free_global_pasid((ioasid_t)pasid);
			for (i = 0; i < MAX_PASIDS; i++)
				if (global_pasid_live[i] && global_pasids[i] == (u32)pasid)
					global_pasid_live[i] = 0;
			set_reply("i 0");
		}
#else
		set_reply("u %s is not in this kernel (added in v6.6)", call);
#endif
		return;
	}
	if (!strcmp(call, "dma_map_single")) {
		struct named_buf *b = find_buf(arg(a, "buf"));
		u64 size;
		dma_addr_t iova;

		if (!b) {
			set_reply("e no buffer %s", arg(a, "buf"));
			return;
		}
		size = b->size;
		if (arg(a, "size") && parse_u64(arg(a, "size"), &size)) {
			set_reply("e bad size");
			return;
		}
		iova = dma_map_single(dev, b->va, size, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, iova)) {
			set_reply("i DMA_MAPPING_ERROR");
			return;
		}
		for (i = 0; i < MAX_MAPS; i++)
			if (!maps[i].live) {
				maps[i] = (struct dma_map){ dev, iova, size, 1 };
				break;
			}
		set_reply("i %llu", (unsigned long long)iova);
		return;
	}
	if (!strcmp(call, "dma_unmap_single")) {
		u64 iova, size = 0;

		if (parse_u64(arg(a, "iova"), &iova)) {
			set_reply("e bad iova");
			return;
		}
		for (i = 0; i < MAX_MAPS; i++)
			if (maps[i].live && maps[i].dev == dev && maps[i].iova == iova)
				break;
		if (i == MAX_MAPS) {
			/* unmapping what was never mapped corrupts the real IOVA allocator */
			set_reply("u dma_unmap_single of an IOVA the device has not mapped is a kernel bug, not run on a real kernel");
			return;
		}
		size = maps[i].size;
		if (arg(a, "size") && parse_u64(arg(a, "size"), &size)) {
			set_reply("e bad size");
			return;
		}
		dma_unmap_single(dev, iova, size, DMA_BIDIRECTIONAL);
		maps[i].live = 0;
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "dma_opt_mapping_size")) {
		set_reply("i %zu", dma_opt_mapping_size(dev));
		return;
	}
	if (!strcmp(call, "fq_flush_timeout")) {
		/* IOVA_FQ_TIMEOUT is 10 ms; wait well past it so the flush-queue timer has run */
		msleep(50);
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "iommu_map")) {
		struct named_buf *b = find_buf(arg(a, "buf"));
		u64 iova, size;

		if (!b || parse_u64(arg(a, "iova"), &iova)) {
			set_reply("e bad buf or iova");
			return;
		}
		size = b->size;
		if (arg(a, "size") && parse_u64(arg(a, "size"), &size)) {
			set_reply("e bad size");
			return;
		}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
		r = iommu_map(domain, iova, virt_to_phys(b->va), size, IOMMU_READ | IOMMU_WRITE,
			      GFP_KERNEL);
#else
		r = iommu_map(domain, iova, virt_to_phys(b->va), size, IOMMU_READ | IOMMU_WRITE);
#endif
		set_reply("i %d", r);
		return;
	}
	if (!strcmp(call, "iommu_unmap") || !strcmp(call, "iommu_unmap_fast")) {
		u64 iova, size;
		size_t n;

		if (parse_u64(arg(a, "iova"), &iova) || parse_u64(arg(a, "size"), &size)) {
			set_reply("e bad iova or size");
			return;
		}
		if (call[11] == '_') {
			for (i = 0; i < MAX_NAMES; i++)
				if (doms[i].domain == domain)
					break;
			if (i == MAX_NAMES) {
				set_reply("e iommu_unmap_fast on a domain the agent did not allocate");
				return;
			}
			if (!doms[i].gather_live) {
				iommu_iotlb_gather_init(&doms[i].gather);
				doms[i].gather_live = 1;
			}
			n = iommu_unmap_fast(domain, iova, size, &doms[i].gather);
		} else {
			n = iommu_unmap(domain, iova, size);
		}
		set_reply("i %zu", n);
		return;
	}
	if (!strcmp(call, "iommu_iotlb_sync")) {
		for (i = 0; i < MAX_NAMES; i++)
			if (doms[i].domain == domain)
				break;
		if (i < MAX_NAMES && doms[i].gather_live) {
			iommu_iotlb_sync(domain, &doms[i].gather);
			doms[i].gather_live = 0;
		} else {
			struct iommu_iotlb_gather g;

			iommu_iotlb_gather_init(&g);
			iommu_iotlb_sync(domain, &g);
		}
		set_reply("i 0");
		return;
	}
	if (!strcmp(call, "iommu_iova_to_phys")) {
		u64 iova;
		phys_addr_t phys;

		if (parse_u64(arg(a, "iova"), &iova)) {
			set_reply("e bad iova");
			return;
		}
		phys = iommu_iova_to_phys(domain, iova);
		/* a physical address means nothing to the host: name the buffer and offset */
		for (i = 0; i < MAX_NAMES; i++)
			if (bufs[i].va && phys >= virt_to_phys(bufs[i].va) &&
			    phys < virt_to_phys(bufs[i].va) + bufs[i].size) {
				set_reply("b %s %llu", bufs[i].name,
					  (unsigned long long)(phys - virt_to_phys(bufs[i].va)));
				return;
			}
		set_reply("i %llu", (unsigned long long)phys);
		return;
	}
	set_reply("u %s is not performed by the agent", call);
}

/* ---- undo everything held, in the kernel's required order ---- */

static void teardown(void)
{
	int i, j;

	for (i = 0; i < MAX_PASIDS; i++)
		if (pasids[i].live) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
			iommu_detach_device_pasid(pasids[i].domain, pasids[i].dev, pasids[i].pasid);
#endif
			pasids[i].live = 0;
		}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	for (i = 0; i < MAX_PASIDS; i++)
		if (global_pasid_live[i]) {
			iommu_free_global_pasid(global_pasids[i]);
			global_pasid_live[i] = 0;
		}
#endif
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].live) {
			dma_unmap_single(maps[i].dev, maps[i].iova, maps[i].size, DMA_BIDIRECTIONAL);
			maps[i].live = 0;
		}
	/* leave every user domain: a group on one of ours goes back to its core domain */
	for (i = 0; i < MAX_NAMES; i++) {
		struct iommu_domain *cur;

		if (!groups[i].group)
			continue;
		cur = iommu_get_domain_for_dev(groups[i].dev);
		for (j = 0; j < MAX_NAMES; j++)
			if (doms[j].domain && !doms[j].borrowed && doms[j].domain == cur) {
				iommu_detach_group(cur, groups[i].group);
				break;
			}
	}
	for (i = 0; i < MAX_NAMES; i++) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
		while (dev_claims[i] > 0 && devs[i].pdev) {
			iommu_device_release_dma_owner(&devs[i].pdev->dev);
			dev_claims[i]--;
		}
#endif
		while (groups[i].claims > 0 && groups[i].group) {
			iommu_group_release_dma_owner(groups[i].group);
			groups[i].claims--;
		}
	}
	for (i = 0; i < MAX_NAMES; i++) {
		if (doms[i].domain) {
			if (!doms[i].borrowed)
				iommu_domain_free(doms[i].domain);
			doms[i].domain = NULL;
			doms[i].borrowed = 0;
		}
		if (bufs[i].va) {
			free_pages_exact(bufs[i].va, PAGE_ALIGN(bufs[i].size));
			bufs[i].va = NULL;
		}
		if (groups[i].group) {
			iommu_group_put(groups[i].group);
			groups[i].group = NULL;
			groups[i].blocking_domain = NULL;
		}
		if (devs[i].pdev) {
			pci_dev_put(devs[i].pdev);
			devs[i].pdev = NULL;
		}
	}
}

/* ---- the command line ---- */

static void run_line(char *line)
{
	char *tok[2 + MAX_ARGS];
	struct args a = { 0 };
	int n = 0, i;
	char *s = strim(line);

	while (s && *s && n < (int)ARRAY_SIZE(tok)) {
		char *t = strsep(&s, " ");

		if (*t)
			tok[n++] = t;
	}
	if (n == 0) {
		set_reply("e empty command");
		return;
	}
	if (!strcmp(tok[0], "dev") && n == 3) {
		unsigned int dom, bus, slot, fn;

		pct_decode(tok[1]);
		if (sscanf(tok[2], "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4) {
			set_reply("e bad BDF %s", tok[2]);
			return;
		}
		for (i = 0; i < MAX_NAMES && devs[i].pdev; i++)
			;
		if (i == MAX_NAMES) {
			set_reply("e too many devices");
			return;
		}
		devs[i].pdev = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(slot, fn));
		if (!devs[i].pdev) {
			set_reply("e no PCI device %s", tok[2]);
			return;
		}
		strscpy(devs[i].name, tok[1], NAME_LEN);
		set_reply("i 0");
		return;
	}
	if (!strcmp(tok[0], "group") && n == 3) {
		struct named_dev *nd;

		pct_decode(tok[1]);
		pct_decode(tok[2]);
		nd = find_dev(tok[2]);
		if (!nd) {
			set_reply("e no device %s", tok[2]);
			return;
		}
		if (find_group(tok[1])) {
			/* already named: report the group of this member, so the host can check the topology */
			struct iommu_group *g = iommu_group_get(&nd->pdev->dev);

			set_reply("i %d", g ? iommu_group_id(g) : -1);
			if (g)
				iommu_group_put(g);
			return;
		}
		for (i = 0; i < MAX_NAMES && groups[i].group; i++)
			;
		if (i == MAX_NAMES) {
			set_reply("e too many groups");
			return;
		}
		groups[i].group = iommu_group_get(&nd->pdev->dev);
		if (!groups[i].group) {
			set_reply("e %s has no iommu_group", tok[2]);
			return;
		}
		strscpy(groups[i].name, tok[1], NAME_LEN);
		groups[i].dev = &nd->pdev->dev;
		groups[i].default_domain = iommu_get_domain_for_dev(groups[i].dev);
		set_reply("i %d", iommu_group_id(groups[i].group));
		return;
	}
	if (!strcmp(tok[0], "regroup") && n == 2) {
		struct named_group *g;

		pct_decode(tok[1]);
		g = find_group(tok[1]);
		if (!g) {
			set_reply("e no group %s", tok[1]);
			return;
		}
		g->default_domain = iommu_get_domain_for_dev(g->dev);
		set_reply("i 0");
		return;
	}
	if (!strcmp(tok[0], "buf") && n == 3) {
		unsigned long size;

		pct_decode(tok[1]);
		if (kstrtoul(tok[2], 0, &size) || !size) {
			set_reply("e bad size");
			return;
		}
		for (i = 0; i < MAX_NAMES && bufs[i].va; i++)
			;
		if (i == MAX_NAMES) {
			set_reply("e too many buffers");
			return;
		}
		bufs[i].va = alloc_pages_exact(PAGE_ALIGN(size), GFP_KERNEL | __GFP_ZERO);
		if (!bufs[i].va) {
			set_reply("e out of memory");
			return;
		}
		bufs[i].size = size;
		strscpy(bufs[i].name, tok[1], NAME_LEN);
		set_reply("i 0");
		return;
	}
	if (!strcmp(tok[0], "teardown")) {
		teardown();
		set_reply("i 0");
		return;
	}
	if (!strcmp(tok[0], "call") && n >= 2) {
		for (i = 2; i < n; i++) {
			char *eq = strchr(tok[i], '=');

			if (!eq) {
				set_reply("e argument without '=': %s", tok[i]);
				return;
			}
			*eq = 0;
			a.key[a.n] = tok[i];
			a.val[a.n] = eq + 1;
			pct_decode(a.val[a.n]);
			a.n++;
		}
		do_call(tok[1], &a);
		return;
	}
	set_reply("e unknown command %s", tok[0]);
}

static ssize_t agent_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char *line;

	if (len > 1024)
		return -EINVAL;
	line = memdup_user_nul(ubuf, len);
	if (IS_ERR(line))
		return PTR_ERR(line);
	mutex_lock(&agent_lock);
	run_line(line);
	mutex_unlock(&agent_lock);
	kfree(line);
	return len;
}

static ssize_t agent_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	ssize_t r;

	mutex_lock(&agent_lock);
	r = simple_read_from_buffer(ubuf, len, off, reply, strlen(reply));
	mutex_unlock(&agent_lock);
	return r;
}

static const struct proc_ops agent_ops = {
	.proc_write = agent_write,
	.proc_read = agent_read,
	.proc_lseek = default_llseek,
};

static struct proc_dir_entry *agent_entry;

static int __init agent_init(void)
{
	agent_entry = proc_create("iommu_agent", 0600, NULL, &agent_ops);
	return agent_entry ? 0 : -ENOMEM;
}

static void __exit agent_exit(void)
{
	proc_remove(agent_entry);
	mutex_lock(&agent_lock);
	teardown();
	mutex_unlock(&agent_lock);
}

module_init(agent_init);
module_exit(agent_exit);
