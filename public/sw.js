// SkyDeck's service worker: keeps the app shell (index.html, the script, the
// wasm module, the stylesheet, the manifest and the icons) so that a second
// visit, or one on a flaky network, starts at once. See docs/deploy.md.
//
// - The shell files of this build are fetched when the worker installs, into
//   a cache named after the build; the next build's worker fetches its own
//   and, once it takes over, deletes the older caches of this scope.
// - Hashed files (and the other shell files, tied to this build by the
//   cache's name) are served cache-first.
// - The page itself (the scope's URL or index.html) is network-first: a new
//   deploy is seen at once; when the network fails, or is slower than
//   NETWORK_TIMEOUT_MS, the page this build cached is served.
// - Everything else goes to the network untouched, never to a cache: the
//   WebSockets, the API (/v1/*), sign-in (/oauth/*), skydeck.config.json
//   (always fresh; without a network it is not there), exposure previews.
//
// trunk copies this file into dist/; scripts/sw-assets.sh (a trunk post_build
// hook) then replaces the BUILD line below with this build's version and the
// list of files dist/ ships.
"use strict";

const BUILD = { version: "unbuilt", assets: [] }; // replaced at build time

// The folder the worker serves, e.g. https://example.org/tools/skydeck/.
const SCOPE = new URL(self.registration.scope);
// Caches are shared by every scope of an origin: name ours by scope.
const CACHE_PREFIX = `skydeck-shell ${SCOPE.pathname} `;
const CACHE = CACHE_PREFIX + BUILD.version;
const NETWORK_TIMEOUT_MS = 2000;
// trunk's content hash: name-0123456789abcdef.ext (or _bg.wasm).
const HASHED = /-[0-9a-f]{8,16}(_bg)?\.[A-Za-z0-9]+$/;
// Paths (relative to the scope) served from the cache.
const SHELL = new Set(BUILD.assets);
const PAGE_KEY = new URL("./", SCOPE).href;

// Requests the worker never answers: the browser sends them as if it were
// not there.
function passesThrough(url) {
    return (
        url.origin !== SCOPE.origin ||
        !url.pathname.startsWith(SCOPE.pathname) ||
        url.pathname.includes("/v1/") ||
        url.pathname.includes("/oauth/") ||
        url.pathname.endsWith("/skydeck.config.json") ||
        url.pathname.endsWith("/sw.js")
    );
}

// A response without its redirect flag, so it can answer a navigation.
async function plain(response) {
    if (!response.redirected) {
        return response;
    }
    return new Response(await response.blob(), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
    });
}

self.addEventListener("install", (event) => {
    event.waitUntil(
        (async () => {
            const cache = await caches.open(CACHE);
            // The page and the unhashed files are revalidated, so the cache
            // holds what this build shipped, not an older copy the HTTP cache
            // kept; hashed files may come from the HTTP cache.
            const page = await fetch(new URL("index.html", SCOPE), { cache: "no-cache" });
            if (!page.ok) {
                throw new Error(`index.html: HTTP ${page.status}`);
            }
            await cache.put(PAGE_KEY, await plain(page));
            await cache.addAll(
                BUILD.assets.map(
                    (path) =>
                        new Request(new URL(path, SCOPE), {
                            cache: HASHED.test(path) ? "default" : "no-cache",
                        }),
                ),
            );
            // Take over from an older worker at once: the page loads every
            // file it needs at start, so none is asked of the new cache
            // that only the old one had.
            await self.skipWaiting();
        })(),
    );
});

self.addEventListener("activate", (event) => {
    event.waitUntil(
        (async () => {
            for (const name of await caches.keys()) {
                if (name.startsWith(CACHE_PREFIX) && name !== CACHE) {
                    await caches.delete(name);
                }
            }
            await self.clients.claim();
        })(),
    );
});

// The page: the network's answer within NETWORK_TIMEOUT_MS, else this
// build's copy (the network's later answer is dropped); a server error also
// falls back to the copy. Without a copy, whatever the network says.
async function page(request) {
    const cached = caches.open(CACHE).then((cache) => cache.match(PAGE_KEY));
    const network = fetch(request);
    // A network answer that loses the race must not surface as an error.
    network.catch(() => {});
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, NETWORK_TIMEOUT_MS, null);
    });
    try {
        const first = await Promise.race([network, timeout]);
        if (first && first.status < 500) {
            return first;
        }
        return (await cached) || (first ?? (await network));
    } catch (error) {
        const copy = await cached;
        if (copy) {
            return copy;
        }
        throw error;
    } finally {
        clearTimeout(timer);
    }
}

// A shell file: this build's copy; a copy that went missing (evicted) is
// fetched and kept again.
async function shellFile(request, path) {
    const cache = await caches.open(CACHE);
    const key = new URL(path, SCOPE).href;
    const hit = await cache.match(key);
    if (hit) {
        return hit;
    }
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
        await cache.put(key, response.clone());
    }
    return response;
}

self.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET") {
        return;
    }
    const url = new URL(request.url);
    if (passesThrough(url)) {
        return;
    }
    const path = url.pathname.slice(SCOPE.pathname.length);
    if (request.mode === "navigate") {
        if (path === "" || path === "index.html") {
            event.respondWith(page(request));
        }
        return;
    }
    if (SHELL.has(path)) {
        event.respondWith(shellFile(request, path));
    }
});
