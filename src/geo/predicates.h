/*
 * predicates.h
 *		Exact geometric predicates on double coordinates.
 */
#ifndef GRIDGOV_PREDICATES_H
#define GRIDGOV_PREDICATES_H

/*
 * Exact sign of the orientation of the triangle (a, b, c): 1 when c lies to
 * the left of the directed line a->b, -1 to the right, 0 when collinear.
 */
extern int	orient2d_sign(double ax, double ay, double bx, double by, double cx, double cy);

#endif							/* GRIDGOV_PREDICATES_H */
