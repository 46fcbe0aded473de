/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwh_list.c - building op lists (hw/include/hwops.h) on the host.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/host/hwh.h"

bool
hwh_list_init(struct hwh_list *l, enum hwops_mode mode, uint32_t flags)
{
	l->cap = 64;
	l->nops = 0;
	l->buf = calloc(1, sizeof(*l->buf) + l->cap * sizeof(struct hwops_op));
	if (l->buf == NULL)
		return false;
	memcpy(l->buf->magic, HWOPS_MAGIC, sizeof(l->buf->magic));
	l->buf->version = HWOPS_VERSION;
	l->buf->mode = mode;
	l->buf->flags = flags;
	return true;
}

bool
hwh_list_add(struct hwh_list *l, const struct hwops_op *op)
{
	struct hwops_header *nb;

	if (l->nops == l->cap) {
		nb = realloc(l->buf, sizeof(*nb) + 2 * l->cap * sizeof(*op));
		if (nb == NULL)
			return false;
		l->buf = nb;
		l->cap *= 2;
	}
	((struct hwops_op *)(l->buf + 1))[l->nops++] = *op;
	return true;
}

const void *
hwh_list_finish(struct hwh_list *l, size_t *len)
{
	struct hwops_op end = { .kind = HWOPS_END };

	if (!hwh_list_add(l, &end))
		return NULL;
	l->buf->nops = (uint32_t)l->nops;
	*len = sizeof(*l->buf) + l->nops * sizeof(end);
	return l->buf;
}

void
hwh_list_free(struct hwh_list *l)
{
	free(l->buf);
	l->buf = NULL;
}
