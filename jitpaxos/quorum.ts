/** The spec's view arithmetic: Primary(v), Quorum(v), IsQuorum, IsLocalQuorum. Replicas are sorted. */

/** PrimaryIndex(v) = (v mod n) + (1 if v >= n else 0), 1-based as in the spec. */
export function primaryIndex(view: number, n: number): number {
  return (view % n) + (view >= n ? 1 : 0);
}

export function primary(view: number, replicas: readonly string[]): string {
  return replicas[primaryIndex(view, replicas.length) - 1]!;
}

/** The n div 2 + 1 consecutive replicas starting at the primary, wrapping around. */
export function quorum(view: number, replicas: readonly string[]): string[] {
  const n = replicas.length;
  const size = Math.floor(n / 2) + 1;
  const start = primaryIndex(view, n);
  const members: string[] = [];
  for (let i = 1; i <= size; i++) {
    const index = start + (i - 1);
    // The spec writes index % n for the wrapped case; index == 2n cannot happen since size <= n.
    members.push(replicas[(index > n ? index % n : index) - 1]!);
  }
  return members;
}

export function inQuorum(view: number, replicas: readonly string[], id: string): boolean {
  return quorum(view, replicas).includes(id);
}

/**
 * The first view after `view` whose quorum holds none of `silent`, or the next one if no view does (fixed
 * mode's pre-vote): a dead replica then costs one view change, not one for each view whose quorum holds it
 * (each of those could commit nothing, or had a dead primary). Skipping views is safe: it is the spec's
 * ChangeView taken again from each view in between, with those ViewChange messages lost; DESIGN §2.6.
 */
export function nextView(view: number, replicas: readonly string[], silent: readonly string[]): number {
  // Quorums repeat with period n from view n on, so 2n views show every one of them.
  for (let v = view + 1; v <= view + 2 * replicas.length; v++)
    if (!quorum(v, replicas).some((r) => silent.includes(r))) return v;
  return view + 1;
}

/** The seed's IsQuorum: 2|S| >= n. For even n two such sets need not intersect. */
export function isQuorumSeed(size: number, n: number): boolean {
  return size * 2 >= n;
}

/** A strict majority: any two intersect, whatever n. */
export function isMajority(size: number, n: number): boolean {
  return size * 2 > n;
}
