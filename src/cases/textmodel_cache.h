/*
 * textmodel_cache.h
 *		The per-backend cache of text models (textmodel_cache.c).
 */
#ifndef GRIDGOV_TEXTMODEL_CACHE_H
#define GRIDGOV_TEXTMODEL_CACHE_H

/* Registers the cache (at _PG_init). */
extern void textmodel_cache_init(void);

#endif							/* GRIDGOV_TEXTMODEL_CACHE_H */
