// SPDX-License-Identifier: GPL-2.0
/*
 * agentctl: the guest-side reader of a trace's command lines (/cmds in the initramfs).
 * sysfs steps (iommu_group_store_type / iommu_group_show_type) and driver bind/unbind are
 * performed here, by write(2)/read(2) on sysfs, so that the errno of the write is the result;
 * every other step is handed to the agent module through /proc/iommu_agent.
 * Each result is printed on the console as "@@ <id> <kind> <value>"; kernel WARN/BUG lines that
 * appeared during a step as "@@W <id> <json string>".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX 32
#define LEN 128

static char dev_name[MAX][LEN], dev_bdf[MAX][LEN], dev_drv[MAX][LEN];
static char grp_name[MAX][LEN], grp_dev[MAX][LEN];
static int ndev, ngrp;
/* values the trace bound with "as" (IOVAs, PASIDs): "@name" in an argument stands for them */
static char val_name[64][LEN];
static long long val_value[64];
static int nval;

/* replace every "key=@name" token by the value bound to name; 0 if a name is unknown */
static int substitute(const char *in, char *out, size_t size, char *missing)
{
	char tmp[1024];
	size_t o = 0;
	strncpy(tmp, in, sizeof(tmp) - 1);
	tmp[sizeof(tmp) - 1] = 0;
	out[0] = 0;
	for (char *s = strtok(tmp, " "); s; s = strtok(NULL, " ")) {
		char *at = strstr(s, "=@");
		char piece[LEN + 64];
		if (at) {
			int i;
			for (i = 0; i < nval; i++)
				if (!strcmp(val_name[i], at + 2))
					break;
			if (i == nval) {
				snprintf(missing, LEN, "%s", at + 2);
				return 0;
			}
			at[1] = 0;
			snprintf(piece, sizeof(piece), "%s%lld", s, val_value[i]);
		} else {
			snprintf(piece, sizeof(piece), "%s", s);
		}
		o += snprintf(out + o, size - o, "%s%s", o ? " " : "", piece);
		if (o >= size)
			return 0;
	}
	return 1;
}

static void bind_value(const char *line, const char *reply)
{
	const char *as = strstr(line, " as=");
	long long v;
	if (!as || nval >= 64 || sscanf(reply, "i %lld", &v) != 1)
		return;
	sscanf(as + 4, "%127s", val_name[nval]);
	val_value[nval++] = v;
}
static int kmsg = -1;

static void json_print(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			printf("\\n");
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void pct_decode(char *s)
{
	char *o = s;
	while (*s) {
		unsigned int v;
		if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

static const char *bdf_of(const char *name)
{
	for (int i = 0; i < ndev; i++)
		if (!strcmp(dev_name[i], name))
			return dev_bdf[i];
	return NULL;
}

static const char *drv_of(const char *name)
{
	for (int i = 0; i < ndev; i++)
		if (!strcmp(dev_name[i], name))
			return dev_drv[i];
	return NULL;
}

static const char *group_dev(const char *name)
{
	for (int i = 0; i < ngrp; i++)
		if (!strcmp(grp_name[i], name))
			return grp_dev[i];
	return NULL;
}

/* the value after "key=" in the rest of a call line (encoded), or NULL */
static const char *get_arg(char **argv, int argc, const char *key, char *out)
{
	size_t k = strlen(key);
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], key, k) && argv[i][k] == '=') {
			strncpy(out, argv[i] + k + 1, LEN - 1);
			out[LEN - 1] = 0;
			return out;
		}
	return NULL;
}

static long write_file(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ssize_t r = write(fd, data, n);
	long ret = r < 0 ? -errno : r;
	close(fd);
	return ret;
}

static int agent(const char *cmd, char *reply, size_t size)
{
	int fd = open("/proc/iommu_agent", O_RDWR);
	if (fd < 0) {
		snprintf(reply, size, "e cannot open /proc/iommu_agent: %s", strerror(errno));
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) < 0) {
		snprintf(reply, size, "e write to agent: %s", strerror(errno));
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, reply, size - 1);
	close(fd);
	if (n < 0) {
		snprintf(reply, size, "e read from agent: %s", strerror(errno));
		return -1;
	}
	reply[n] = 0;
	return 0;
}

static void drain_kmsg(const char *id)
{
	char rec[2048];
	if (kmsg < 0)
		return;
	for (;;) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)
				continue; /* overwritten records: keep reading */
			return;
		}
		rec[n] = 0;
		char *msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		char *nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (strstr(msg, "WARNING:") || strstr(msg, "BUG:") || strstr(msg, "Oops")) {
			printf("@@W %s ", id);
			json_print(msg, strlen(msg));
			putchar('\n');
		}
	}
}

static void step(const char *id, char *line)
{
	char *argv[16];
	int argc = 0;
	char copy[1024], reply[512], a[LEN], b[LEN], path[8192];
	strncpy(copy, line, sizeof(copy) - 1);
	copy[sizeof(copy) - 1] = 0;
	for (char *s = strtok(copy, " "); s && argc < 16; s = strtok(NULL, " "))
		argv[argc++] = s;
	if (argc == 0)
		return;

	if (!strcmp(argv[0], "dev") && argc == 4 && ndev < MAX) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "dev %s %s", argv[1], argv[2]);
		agent(cmd, reply, sizeof(reply));
		if (reply[0] == 'i') {
			snprintf(dev_name[ndev], LEN, "%s", argv[1]);
			snprintf(dev_bdf[ndev], LEN, "%s", argv[2]);
			snprintf(dev_drv[ndev], LEN, "%s", argv[3]);
			ndev++;
		}
		/* which driver holds it at boot, for the log */
		char link[256] = "-";
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", argv[2]);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			char *base = strrchr(link, '/');
			memmove(link, base ? base + 1 : link, strlen(base ? base + 1 : link) + 1);
		}
		printf("@@ %s %s\n@@I %s bound-to=%s\n", id, reply, argv[2], link);
	} else if (!strcmp(argv[0], "group") && argc == 3 && ngrp < MAX) {
		if (!group_dev(argv[1])) {
			snprintf(grp_name[ngrp], LEN, "%s", argv[1]);
			snprintf(grp_dev[ngrp], LEN, "%s", argv[2]);
			ngrp++;
		}
		agent(line, reply, sizeof(reply));
		printf("@@ %s %s\n", id, reply);
	} else if (!strcmp(argv[0], "unbind_all")) {
		for (int i = 0; i < ndev; i++) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", dev_bdf[i]);
			if (access(path, F_OK) == 0)
				write_file(path, dev_bdf[i], strlen(dev_bdf[i]));
		}
		printf("@@ %s i 0\n", id);
	} else if (!strcmp(argv[0], "call") && argc >= 2 &&
		   (!strcmp(argv[1], "device_driver_attach") || !strcmp(argv[1], "device_release_driver"))) {
		const char *bdf = get_arg(argv, argc, "dev", a) ? bdf_of(a) : NULL;
		if (!bdf) {
			printf("@@ %s e no device\n", id);
		} else if (argv[1][7] == 'd') { /* device_driver_attach: sysfs bind */
			const char *drv = drv_of(a);
			if (!drv || !strcmp(drv, "-")) {
				printf("@@ %s u no in-kernel driver binds this emulated device\n", id);
			} else {
				snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", drv);
				long r = write_file(path, bdf, strlen(bdf));
				printf("@@ %s i %ld\n", id, r < 0 ? r : 0L);
			}
		} else { /* device_release_driver: sysfs unbind; nothing bound is the kernel's no-op */
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
			long r = access(path, F_OK) == 0 ? write_file(path, bdf, strlen(bdf)) : 0;
			printf("@@ %s i %ld\n", id, r < 0 ? r : 0L);
		}
	} else if (!strcmp(argv[0], "call") && argc >= 2 &&
		   (!strcmp(argv[1], "iommu_group_store_type") || !strcmp(argv[1], "iommu_group_show_type"))) {
		const char *dev = get_arg(argv, argc, "group", a) ? group_dev(a) : NULL;
		const char *bdf = dev ? bdf_of(dev) : NULL;
		if (!bdf) {
			printf("@@ %s e no group\n", id);
			return;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/type", bdf);
		if (!strcmp(argv[1], "iommu_group_store_type")) {
			char type[LEN] = "";
			get_arg(argv, argc, "type", type);
			pct_decode(type);
			long r = write_file(path, type, strlen(type));
			if (r >= 0) {
				char cmd[256];
				snprintf(cmd, sizeof(cmd), "regroup %s", a);
				agent(cmd, b, sizeof(b));
			}
			printf("@@ %s i %ld\n", id, r);
		} else {
			char buf[256];
			int fd = open(path, O_RDONLY);
			ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
			int err = errno;
			if (fd >= 0)
				close(fd);
			if (n < 0) {
				printf("@@ %s i %d\n", id, -err);
			} else {
				printf("@@ %s s ", id);
				json_print(buf, (size_t)n);
				putchar('\n');
			}
		}
	} else {
		char cmd[1024], missing[LEN];
		if (!substitute(line, cmd, sizeof(cmd), missing)) {
			printf("@@ %s e no value bound to %s\n", id, missing);
			return;
		}
		agent(cmd, reply, sizeof(reply));
		bind_value(line, reply);
		printf("@@ %s %s\n", id, reply);
	}
}

int main(int argc, char **argv)
{
	struct utsname u;
	char line[1024];
	FILE *f = fopen(argc > 1 ? argv[1] : "/cmds", "r");

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("@@ - boot %s\n", u.release);
	if (!f) {
		printf("@@ - e no command file\n");
		return 1;
	}
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	while (fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = 0;
		step(line, sp + 1);
		drain_kmsg(line);
	}
	char reply[512];
	agent("teardown", reply, sizeof(reply));
	printf("@@ - teardown %s\n", reply);
	drain_kmsg("-");
	return 0;
}
