declare namespace Cloudflare {
  interface Env {
    RECORDER: Fetcher;
  }
}
