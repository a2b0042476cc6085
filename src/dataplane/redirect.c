/* SPDX-License-Identifier: BSD-3-Clause */
/* Setup of the lcore-to-lcore redirect mesh (redirect.h). */
#include "redirect.h"

#include <errno.h>
#include <stdlib.h>

struct pg_redirect *pg_redirect_create(unsigned int nb, unsigned int slots)
{
	struct pg_redirect *r;
	unsigned int i, j;

	if (!nb || nb > PG_REDIR_NONE) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->nb = nb;
	memset(r->owner, PG_REDIR_NONE, sizeof(r->owner));
	r->ring = calloc((size_t)nb * nb, sizeof(*r->ring));
	if (!r->ring)
		goto fail;
	for (i = 0; i < nb; i++)
		for (j = 0; j < nb; j++) {
			if (i == j)
				continue;
			r->ring[i * nb + j] = pg_ring_create(slots, sizeof(struct pg_redir_frame));
			if (!r->ring[i * nb + j])
				goto fail;
		}
	return r;
fail:
	pg_redirect_free(r);
	errno = ENOMEM;
	return NULL;
}

void pg_redirect_free(struct pg_redirect *r)
{
	unsigned int i;

	if (!r)
		return;
	if (r->ring)
		for (i = 0; i < r->nb * r->nb; i++)
			pg_ring_free(r->ring[i]);
	free(r->ring);
	free(r);
}
