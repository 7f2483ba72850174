/** Strings numbered in order of first sight: a column holds the number, the table the string once. */
export class StringTable {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  at(id: number): string {
    return this.list[id]!;
  }
}
