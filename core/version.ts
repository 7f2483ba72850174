/** jitter's version, as runs record it (test.json's versions.jitter). */
export const JITTER_VERSION = '0.1.0';
