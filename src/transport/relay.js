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
    let room = 0;
    for (const text of batch) room += 4 + 3 * text.length;
    const bytes = new Uint8Array(room);
    const lengths = new DataView(bytes.buffer);
    let at = 0;
    for (const text of batch) {
      const { written } = encoder.encodeInto(text, bytes.subarray(at + 4));
      lengths.setUint32(at, written, true);
      at += 4 + written;
    }
    postMessage(bytes.subarray(0, at), [bytes.buffer]);
    batch = [];
  }
};
const frame = ({ data }) => {
  if (typeof data !== "string") {
    flush();
    postMessage({ binary: data.byteLength });
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
