import type { RootPost, RootPostStore } from "../chat/root-post-store.js";
import type { Db } from "./open-database.js";

/**
 * Bot mode's memory of which Mattermost post stands for which build. Creating the root post is the
 * only step that is not idempotent, so its id is stored the moment Mattermost answers 201; every
 * later update of the build is a patch of that post, and replies thread under it.
 */

interface Row {
  build_id: number;
  post_id: string;
  channel_id: string;
}

export class SqliteChatPosts implements RootPostStore {
  readonly #get;
  readonly #set;
  readonly #delete;
  readonly #clock: () => number;

  constructor(db: Db, clock: () => number = Date.now) {
    this.#clock = clock;
    this.#get = db.prepare<[number], Row>("SELECT * FROM chat_posts WHERE build_id = ?");
    this.#set = db.prepare<[number, string, string, number]>(
      "INSERT OR REPLACE INTO chat_posts (build_id, post_id, channel_id, created_at) VALUES (?, ?, ?, ?)",
    );
    this.#delete = db.prepare<[number]>("DELETE FROM chat_posts WHERE build_id = ?");
  }

  get(buildId: number): RootPost | undefined {
    const row = this.#get.get(buildId);
    return row ? { buildId: row.build_id, postId: row.post_id, channelId: row.channel_id } : undefined;
  }

  set(post: RootPost): void {
    this.#set.run(post.buildId, post.postId, post.channelId, this.#clock());
  }

  delete(buildId: number): void {
    this.#delete.run(buildId);
  }
}
