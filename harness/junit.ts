/** JUnit XML for CI systems: one testcase per test of a nightly run. */
export interface JUnitCase {
  name: string;
  classname: string;
  seconds: number;
  /** A failure message, or null when the test passed. */
  failure: string | null;
  skipped?: string;
  /** Where the run's artifacts are. */
  output?: string;
}

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

export function junitXml(suite: string, cases: JUnitCase[]): string {
  const failures = cases.filter((c) => c.failure !== null && !c.skipped).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const time = cases.reduce((a, c) => a + c.seconds, 0);
  const body = cases
    .map((c) => {
      const inner = [
        c.skipped ? `<skipped message="${esc(c.skipped)}"/>` : '',
        !c.skipped && c.failure !== null
          ? `<failure message="${esc(c.failure)}">${esc(c.failure)}</failure>`
          : '',
        c.output ? `<system-out>${esc(c.output)}</system-out>` : '',
      ].join('');
      return `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="${c.seconds.toFixed(3)}">${inner}</testcase>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${esc(suite)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">
  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">
${body}
  </testsuite>
</testsuites>
`;
}
