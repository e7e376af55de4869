/*
 * intake_assist.h
 *		Assisted intake: a new case's category from a text model and its grid
 *		from a place named in its words (intake_assist.c).
 */
#ifndef GRIDGOV_INTAKE_ASSIST_H
#define GRIDGOV_INTAKE_ASSIST_H

#include "postgres.h"

#include "gridcode.h"
#include "textmodel_cache.h"

typedef struct IntakeAssist
{
	/* the category: whether the model was asked, its answer, whether taken */
	bool		asked;
	TextModelBest best;
	bool		applied;
	/* the place: whether the words named one, ambiguous or not */
	bool		place_asked;
	bool		place_applied;
	bool		ambiguous;
	GridCode	place_grid;
	char	   *place_name;
	char	   *place_kind;
	char	   *place_matched;
	GridCode   *candidates;
	int			ncandidates;
} IntakeAssist;

/* Defines the GUCs gridgov.intake_text_model and gridgov.intake_suggest_threshold (at _PG_init). */
extern void intake_assist_init(void);

/*
 * The category of a case of source that arrives without one; *by is "model"
 * or "fallback".  NULL when no model is sure and unclassified_category has no
 * category for the source.
 */
extern const char *intake_assist_category(const char *source, const char *title, const char *description,
										  IntakeAssist *a, const char **by);

/*
 * The grid of a case with neither location nor grid, from a place its words
 * name, inside county when has_county.
 */
extern bool intake_assist_place(const char *address, const char *title, const char *description,
								bool has_county, GridCode county, IntakeAssist *a, GridCode *grid);

/* cases.assisted of what was sought (*isnull when nothing was). */
extern Datum intake_assist_jsonb(const IntakeAssist *a, bool *isnull);

#endif							/* GRIDGOV_INTAKE_ASSIST_H */
