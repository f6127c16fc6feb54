// The stream socket's relay (src/transport/socket.rs, `Link` in a worker):
// one WebSocket in a dedicated worker, its text frames handed to the page in
// batches, so that the page's main thread handles one message per batch
// instead of one per frame (the browser's own work per WebSocket message is
// then done here). The page decodes every frame itself, in order.
//
// From the page: {open: url}, {send: text}, {close: code, reason}.
// To the page, in the socket's order:
//   a Uint8Array   text frames joined by U+001E (which JSON text cannot
//                  hold: control characters must be escaped in strings),
//                  as UTF-8, its buffer transferred: the encoding is done
//                  here, and the page copies the bytes into wasm memory
//                  as they are;
//   {frame: text}  one text frame that holds U+001E anyway (malformed);
//   {open: true}, {binary: bytes}, {closed: code, reason}.
// After the close the worker ends itself. A relay that cannot run at all
// (a Content-Security-Policy without `worker-src blob:`) shows as the
// worker's error event; the page then opens its sockets itself.
"use strict";
let ws = null;
let batch = [];
let scheduled = false;
const encoder = new TextEncoder();
const flush = () => {
  scheduled = false;
  if (batch.length) {
    const bytes = encoder.encode(batch.join("\x1e"));
    postMessage(bytes, [bytes.buffer]);
    batch = [];
  }
};
const frame = ({ data }) => {
  if (typeof data !== "string") {
    flush();
    postMessage({ binary: data.byteLength });
  } else if (data.includes("\x1e")) {
    flush();
    postMessage({ frame: data });
  } else {
    batch.push(data);
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  }
};
onmessage = ({ data }) => {
  if (data.open !== undefined) {
    try {
      ws = new WebSocket(data.open);
    } catch (e) {
      postMessage({ closed: 1006, reason: String(e) });
      close();
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = () => postMessage({ open: true });
    ws.onmessage = frame;
    ws.onclose = ({ code, reason }) => {
      flush();
      postMessage({ closed: code, reason });
      close();
    };
  } else if (data.send !== undefined) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(data.send);
  } else if (data.close !== undefined) {
    if (ws) {
      try {
        ws.close(data.close, data.reason);
      } catch (e) {
        ws.close();
      }
    } else {
      close();
    }
  }
};
