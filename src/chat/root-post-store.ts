/**
 * A chat platform's memory of which post stands for which build, for a platform that edits its
 * posts in place (Mattermost's bot mode): the port every platform is given (chat-platform.ts).
 * store/sqlite-chat-posts.ts implements it durably (the chat_posts table); tests can pass a
 * Map-backed one.
 */

export interface RootPost {
  readonly buildId: number;
  /** The platform's id of the post. */
  readonly postId: string;
  /** The platform's id of the channel it is in. */
  readonly channelId: string;
}

export interface RootPostStore {
  get(buildId: number): RootPost | undefined;
  set(post: RootPost): void;
  delete(buildId: number): void;
}
