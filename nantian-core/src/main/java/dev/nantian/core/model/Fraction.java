package dev.nantian.core.model;

/**
 * A share of requests, {@code numerator / denominator}. Gateway API's {@code percent: N} is {@code N/100}.
 *
 * @param numerator how many out of {@code denominator}, 0 or more and at most {@code denominator}
 * @param denominator a positive whole
 */
public record Fraction(int numerator, int denominator) {
    public Fraction {
        if (denominator <= 0 || numerator < 0 || numerator > denominator) {
            throw new IllegalArgumentException("fraction must be 0 <= numerator <= denominator, denominator > 0, got "
                    + numerator + "/" + denominator);
        }
    }

    /** {@code percent} out of 100. */
    public static Fraction percent(int percent) {
        return new Fraction(percent, 100);
    }

    /** The share as a number in [0, 1]. */
    public double asDouble() {
        return (double) numerator / denominator;
    }
}
