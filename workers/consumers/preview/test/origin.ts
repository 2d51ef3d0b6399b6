// Node side of the preview tests: the destinations' web servers and the DNS-over-HTTPS
// resolver, answering every outbound fetch of the Worker (its outboundService), and a log of
// every request that reached a server, so a test can show a refused address was never called.
// The path picks the page:
//   /og            OG tags              /plain        only <title> and meta description
//   /relative-img  og:image "/img/a.png" /json        application/json
//   /missing       404                  /huge         1 MB of HTML, metadata after 300 KB
//   /huge-head     metadata first, then 1 MB of filler
//   /slow          headers, then nothing for 10 s   /redirect?to=   302 to `to`
//   /loop/<n>      302 to /loop/<n+1>

const requested: string[] = [];

/** A records by host, as the resolver at dns.test answers them. */
const DNS: Record<string, string[]> = {
  "site.example": ["93.184.216.34"],
  "other.example": ["93.184.216.35"],
  "private.example": ["10.0.0.5"],
};

function dnsAnswer(url: URL): Response {
  const name = url.searchParams.get("name") ?? "";
  const known = name in DNS;
  const answers = url.searchParams.get("type") === "A" ? (DNS[name] ?? []) : [];
  return Response.json({ Status: known ? 0 : 3, Answer: answers.map((data) => ({ type: 1, data })) });
}

const html = (body: string, status = 200) => new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });

const OG_PAGE = `<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="The OG title">
<meta name="description" content="Fallback description">
<meta property="og:description" content="The OG description">
<meta property="og:image" content="https://cdn.site.example/card.png">
</head><body>hello</body></html>`;

const PLAIN_PAGE = `<html><head><title>
  Plain   title </title><meta name="description" content="Plain description"></head><body></body></html>`;

function streamed(parts: string[]): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[i++];
      if (part === undefined) return controller.close();
      controller.enqueue(encoder.encode(part));
    },
  });
  return new Response(body, { headers: { "content-type": "text/html" } });
}

const filler = (kb: number) => Array.from({ length: kb }, () => `<p>${"x".repeat(1017)}</p>`);

export async function origin(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === "dns.test") return dnsAnswer(url);
  requested.push(request.url);
  const [, page, n] = url.pathname.split("/");
  switch (page) {
    case "og":
      return html(OG_PAGE);
    case "plain":
      return html(PLAIN_PAGE);
    case "relative-img":
      return html(`<head><meta property="og:title" content="Rel"><meta property="og:image" content="/img/a.png"></head>`);
    case "json":
      return Response.json({ title: "not a page" });
    case "missing":
      return html("<title>Not found</title>", 404);
    case "huge":
      return streamed(["<html><body>", ...filler(300), `<title>Too far</title>`, ...filler(700)]);
    case "huge-head":
      return streamed([OG_PAGE, ...filler(1024)]);
    case "slow":
      return new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode("<html><head>"));
            await new Promise((r) => setTimeout(r, 10_000));
            controller.close();
          },
        }),
        { headers: { "content-type": "text/html" } },
      );
    case "redirect":
      return new Response(null, { status: 302, headers: { location: url.searchParams.get("to") ?? "/og" } });
    case "loop":
      return new Response(null, { status: 302, headers: { location: `/loop/${Number(n) + 1}` } });
    default:
      return html("<title>?</title>", 404);
  }
}

/** Every URL a destination server was asked for, for the tests (a service binding). */
export function requestedLog(): Response {
  return Response.json(requested);
}
