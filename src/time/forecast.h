/*
 * forecast.h
 *		The regression arithmetic of src/time/forecast.c that the three-rate
 *		prediction (src/time/rates_forecast.c) shares: checked float8 arrays,
 *		the normal equations of a weighted least-squares step (Cholesky),
 *		their inverse, and the central interval of a discrete distribution.
 */
#ifndef GRIDGOV_FORECAST_H
#define GRIDGOV_FORECAST_H

#include "postgres.h"

#include "utils/array.h"

/*
 * A family of generalised linear models for glm_irls(): the working weight
 * and response of a row at its mean (m: its trials, 0 for counts), the means
 * of X b, the deviance (m NULL for counts).
 */
typedef struct GlmFamily
{
	void		(*working) (double y, double m, double mu, double *w, double *z);
	void		(*predict) (const double *x, const double *b, int n, int p, double *mu);
	double		(*deviance) (const double *y, const double *m, const double *mu, int n);
} GlmFamily;

/* log P(Y = y) of a discrete distribution with parameters q. */
typedef double (*glm_log_pmf) (double y, const double *q);

extern double *glm_float8_values(ArrayType *a, const char *what, int *count);
extern double *glm_design_matrix(ArrayType *a, int *rows, int *cols);
extern void glm_cholesky_solve(const double *l, double *r, int p);
extern double *glm_normal_factor(const double *x, const double *w, int n, int p, double ridge);
extern void glm_wls_step(const double *x, const double *w, const double *z, int n, int p, double ridge,
						 double *b);
extern void glm_linear_predictor(const double *x, const double *b, int n, int p, double limit, double *eta);
extern int	glm_irls(const GlmFamily *family, const double *y, const double *m, const double *x, int n, int p,
					 double ridge, double *b, double *mu);
extern double *glm_inverse_normal(const double *x, const double *w, int n, int p, double ridge);
extern ArrayType *glm_float8_array(const double *v, int n);
extern ArrayType *glm_float8_matrix(const double *v, int p);
extern void glm_central_bounds(glm_log_pmf f, const double *q, double start, double end, double level,
							   int32 *lower, int32 *upper);

#endif							/* GRIDGOV_FORECAST_H */
