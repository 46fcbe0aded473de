/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw_emu.c - the disk image (hw/boot/mkimage: boot sector, kernel,
 * op list) and its boot under Bochs or QEMU through hw/run-bochs.sh and
 * hw/run-qemu.sh, which bound the run with `timeout -s KILL`.
 *
 * The pieces are found in the build tree this eptsim was built in
 * (EPTSIM_HW_BUILD_DIR, EPTSIM_SOURCE_DIR), or where the environment's
 * EPTSIM_HW_BUILD and EPTSIM_HW_SOURCE say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/eptsim_hw_var.h"

static const char *
hwx_dir(const char *env, const char *built)
{
	const char *v = getenv(env);

	return v != NULL && v[0] != '\0' ? v : built;
}

static double
hwx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
hwx_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(buf, 1, len, f) == len;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

int
hwx_save(const char *path, const void *list, size_t len)
{
	if (hwx_write(path, list, len) == 0)
		return 0;
	fprintf(stderr, "eptsim: %s: cannot write the op list\n", path);
	return -1;
}

/* Everything @cmd prints on stdout; its exit status in *@status. */
static char *
hwx_capture(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (p == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap + 1);
			if (buf == NULL)
				abort();
		}
		got = fread(buf + len, 1, cap - len, p);
		len += got;
	} while (got > 0);
	buf[len] = '\0';
	*status = pclose(p);
	return buf;
}

static int
hwx_missing(const char *path, char *err, size_t errlen)
{
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(err, errlen, "%s: missing (build the hw kernel: cmake --build BUILD)", path);
	return -1;
}

int
hwx_boot(const struct hwx_run *x, const void *list, size_t len, char **out, double *seconds,
         char *err, size_t errlen)
{
	const char *build = hwx_dir("EPTSIM_HW_BUILD", EPTSIM_HW_BUILD_DIR);
	const char *src = hwx_dir("EPTSIM_HW_SOURCE", EPTSIM_SOURCE_DIR "/hw");
	char dir[] = "/tmp/eptsim-hw.XXXXXX", ops[64], img[64], boot[1024], kernel[1024];
	char cmd[8192];
	int status = -1, rc = -1;
	double t0;

	snprintf(boot, sizeof(boot), "%s/bootsect.bin", build);
	snprintf(kernel, sizeof(kernel), "%s/eptsim-hw-kernel.bin", build);
	if (hwx_missing(boot, err, errlen) != 0 || hwx_missing(kernel, err, errlen) != 0)
		return -1;
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "cannot make a temporary directory");
		return -1;
	}
	snprintf(ops, sizeof(ops), "%s/ops.bin", dir);
	snprintf(img, sizeof(img), "%s/disk.img", dir);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/boot/mkimage' '%s' '%s' '%s' -o '%s' >&2",
	         src, boot, kernel, ops, img);
	if (hwx_write(ops, list, len) != 0 || system(cmd) != 0) {
		snprintf(err, errlen, "could not build the disk image (%s)", cmd);
		goto out;
	}
	if (x->emu == HWX_EMU_BOCHS)
		snprintf(cmd, sizeof(cmd),
		         "bash '%s/run-bochs.sh' '%s' --cpu=%s --cpus=%u --timeout=%u", src, img,
		         x->cpu, x->cpus, x->timeout);
	else
		snprintf(cmd, sizeof(cmd), "bash '%s/run-qemu.sh' '%s' --timeout=%u", src, img,
		         x->timeout);
	t0 = hwx_now();
	*out = hwx_capture(cmd, &status);
	*seconds = hwx_now() - t0;
	if (*out == NULL || !WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 124)) {
		snprintf(err, errlen, "%s: exit status %d", cmd,
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	rc = 0;
out:
	unlink(ops);
	unlink(img);
	rmdir(dir);
	return rc;
}
