/**
 * The catalogue store: socks, their tags and a tag table, shaped after the original
 * `sock` / `sock_tag` / `tag` schema (sockshop-spec §4.3). Every method is a query a SQL store
 * can answer directly:
 *   list  = SELECT … GROUP_CONCAT(tag.name) FROM sock JOIN sock_tag JOIN tag
 *           WHERE (tag.name=? OR …) AND (LOWER(name) LIKE ? OR LOWER(description) LIKE ?)
 *           GROUP BY sock_id ORDER BY sock_id LIMIT ? OFFSET ?
 *   count = the same filter with COUNT(DISTINCT sock.sock_id)
 * Because the tag filter applies before grouping, a listed sock's `tag` holds only the
 * requested tags it matched; and because of the inner joins, a sock without tags is invisible.
 */

export interface Sock {
  id: string;
  name: string;
  description: string;
  /** Both image URLs (`image_url_1`, `image_url_2`), e.g. `/catalogue/images/holy_1.jpeg`. */
  imageUrl: string[];
  /** A float32 value, as MySQL `float` stores it; render with `formatFloat32`. */
  price: number;
  count: number;
  tag: string[];
}

export interface SockFilter {
  /** Any-of tag names; empty or absent = no tag filter. */
  tags?: string[];
  /** Case-insensitive substring of name or description; empty or absent = no search. */
  q?: string;
}

export interface PageWindow {
  offset: number;
  limit: number;
}

export interface SockUpdate {
  price?: number;
  count?: number;
}

export interface CatalogueStore {
  /** Matching socks in `sock_id` ascending order, cut to the window. */
  list(filter: SockFilter, window: PageWindow): Promise<Sock[]>;
  count(filter: SockFilter): Promise<number>;
  /** `undefined` when no such sock (or it has no tags, as the original join hides it). */
  get(id: string): Promise<Sock | undefined>;
  /** All tag names in `tag_id` order. */
  tags(): Promise<string[]>;
  /** Changes price and/or count; `undefined` when no such sock. */
  update(id: string, change: SockUpdate): Promise<Sock | undefined>;
  /** True when the database answers (the original pings it). */
  health(): Promise<boolean>;
  close(): Promise<void>;
}

/** A row of the seed or the generator: what a SQL store inserts into `sock` and `sock_tag`. */
export interface SockRow {
  id: string;
  name: string;
  description: string;
  price: number;
  count: number;
  imageUrl1: string;
  imageUrl2: string;
  /** Tag names, in the order their `sock_tag` rows are inserted. */
  tags: string[];
}

export interface CatalogueSeed {
  /** Tag names in `tag_id` order (tag_id = index + 1). */
  tags: string[];
  socks: SockRow[];
}
