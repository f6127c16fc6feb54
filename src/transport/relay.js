// The stream socket's relay: its protocol is described at `Carrier::Relayed`
// in socket.rs. This text ships inside the wasm module as it is: keep the
// commentary there.
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
