/*
 * textmodel_cache.h
 *		The per-backend cache of text models (textmodel_cache.c).
 */
#ifndef GRIDGOV_TEXTMODEL_CACHE_H
#define GRIDGOV_TEXTMODEL_CACHE_H

/* Registers the cache (at _PG_init). */
extern void textmodel_cache_init(void);

#define TM_BEST_WORDS		5

typedef struct TextModelBest
{
	char	   *label;
	double		probability;
	char	   *words[TM_BEST_WORDS];
	int			nwords;
} TextModelBest;

extern bool textmodel_best(const char *name, const char *target, const char *text, int len,
						   TextModelBest *best);
extern char *textmodel_document(const char *title, const char *description);

#endif							/* GRIDGOV_TEXTMODEL_CACHE_H */
