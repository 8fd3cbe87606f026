/**
 * The embedded catalogue store: the seed held in memory, queried the way the original SQL
 * answers (see types.ts). Search is a plain linear scan; indexed search belongs to the SQL stores.
 */
import type {
  CatalogueSeed,
  CatalogueStore,
  PageWindow,
  Sock,
  SockFilter,
  SockRow,
  SockUpdate,
} from './types.js';

interface Row extends SockRow {
  /** Lower-cased name and description, prepared once for search. */
  haystack: string;
}

export class MemoryCatalogueStore implements CatalogueStore {
  private readonly tagNames: string[];
  /** Sorted by id, as `GROUP BY sock_id` returns them. */
  private readonly rows: Row[];
  private readonly byId = new Map<string, Row>();

  constructor(seed: CatalogueSeed) {
    this.tagNames = [...seed.tags];
    this.rows = seed.socks
      .filter((s) => s.tags.length > 0)
      .map((s) => ({ ...s, tags: [...s.tags], haystack: `${s.name}\n${s.description}`.toLowerCase() }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const row of this.rows) this.byId.set(row.id, row);
  }

  async list(filter: SockFilter, window: PageWindow): Promise<Sock[]> {
    const out: Sock[] = [];
    let skipped = 0;
    for (const row of this.rows) {
      if (out.length >= window.limit) break;
      const tags = matchedTags(row, filter);
      if (!tags || !matchesText(row, filter)) continue;
      if (skipped++ < window.offset) continue;
      out.push(toSock(row, tags));
    }
    return out;
  }

  async count(filter: SockFilter): Promise<number> {
    let n = 0;
    for (const row of this.rows) if (matchedTags(row, filter) && matchesText(row, filter)) n++;
    return n;
  }

  async get(id: string): Promise<Sock | undefined> {
    const row = this.byId.get(id);
    return row && toSock(row, row.tags);
  }

  async tags(): Promise<string[]> {
    return [...this.tagNames];
  }

  async update(id: string, change: SockUpdate): Promise<Sock | undefined> {
    const row = this.byId.get(id);
    if (!row) return undefined;
    if (change.price !== undefined) row.price = Math.fround(change.price);
    if (change.count !== undefined) row.count = change.count;
    return toSock(row, row.tags);
  }

  async health(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

/** The requested tags this sock carries (all of its tags without a filter); `undefined` = no match. */
function matchedTags(row: Row, filter: SockFilter): string[] | undefined {
  if (!filter.tags || filter.tags.length === 0) return row.tags;
  const matched = row.tags.filter((t) => filter.tags!.includes(t));
  return matched.length > 0 ? matched : undefined;
}

function matchesText(row: Row, filter: SockFilter): boolean {
  return !filter.q || row.haystack.includes(filter.q.toLowerCase());
}

function toSock(row: Row, tags: string[]): Sock {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    imageUrl: [row.imageUrl1, row.imageUrl2],
    price: row.price,
    count: row.count,
    tag: [...tags],
  };
}
