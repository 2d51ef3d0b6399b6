declare namespace Cloudflare {
  interface Env {
    RECORDER: Fetcher;
    REQUESTED: Fetcher;
  }
}
