/**
 * Bot mode's memory of which Mattermost post stands for which build: the port the bot transport
 * needs. store/sqlite-chat-posts.ts implements it durably; tests can pass a Map-backed one.
 */

export interface RootPost {
  readonly buildId: number;
  readonly postId: string;
  readonly channelId: string;
}

export interface RootPostStore {
  get(buildId: number): RootPost | undefined;
  set(post: RootPost): void;
  delete(buildId: number): void;
}
