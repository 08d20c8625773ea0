/**
 * Hidden-layer activations and their derivatives, evaluated in float64 and stored as float32.
 * GELU is the exact erf form, x·Φ(x), as torch's default nn.GELU() (approximate='none').
 *
 * @example
 *   gelu(1)       // 0.8413447...
 *   geluGrad(0)   // 0.5
 */

/**
 * erf via the Chebyshev-fitted erfc of Numerical Recipes (§6.2): fractional error < 1.2e-7
 * everywhere, which is below float32 resolution of the stored activations, at the cost of one exp.
 */
export function erf(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? 1 - erfc : erfc - 1
}

const INV_SQRT2 = Math.SQRT1_2
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

/** GELU(x) = x·Φ(x), Φ the standard normal CDF. */
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x * INV_SQRT2))
/** GELU'(x) = Φ(x) + x·φ(x). */
export const geluGrad = (x: number): number =>
  0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)

export const relu = (x: number): number => Math.max(x, 0)
/** 0 at x = 0, as torch. */
export const reluGrad = (x: number): number => (x > 0 ? 1 : 0)

export type Activation = 'gelu' | 'relu'
export const activations = {
  gelu: { f: gelu, grad: geluGrad },
  relu: { f: relu, grad: reluGrad },
} satisfies Record<Activation, { f: (x: number) => number; grad: (x: number) => number }>
