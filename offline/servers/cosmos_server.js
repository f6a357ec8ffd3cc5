// Runs @vercel/cosmosdb-server over HTTPS on 127.0.0.1 with the certificate given on the
// command line (the one bundled in the package expired in 2021).
// Usage: node cosmos_server.js PORT CERT_PEM KEY_PEM [JOURNAL]
//
// cosmosdb-server keeps everything in memory. With JOURNAL, every request that writes
// (create, replace, upsert, patch, delete of databases, containers and documents; not
// queries) is appended to that file before it is handled, and the file is replayed
// through the same handler on start, before any request is served: a restart, even
// after SIGKILL, comes back with the same databases, containers and documents (and
// their _ts).
"use strict";
const { appendFileSync, existsSync, readFileSync } = require("fs");
const { Readable } = require("stream");
const { createHttpsServer } = require("@vercel/cosmosdb-server");

const [port, certPath, keyPath, journalPath] = process.argv.slice(2);
const server = createHttpsServer({
  cert: readFileSync(certPath),
  key: readFileSync(keyPath),
  minVersion: "TLSv1.2",
});
const handle = server.listeners("request")[0];
server.removeAllListeners("request");

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
function isWrite(req) {
  const query = String(req.headers["x-ms-documentdb-isquery"] || "").toLowerCase() === "true";
  const queryBody = String(req.headers["content-type"] || "").startsWith("application/query+json");
  return WRITES.has(req.method) && !query && !queryBody;
}

function request(method, url, headers, body) {
  const stream = Readable.from(body.length ? [body] : []);
  return Object.assign(stream, { method, url, headers });
}

let restoring = Boolean(journalPath);
const waiting = [];
server.on("request", (req, res) => {
  if (restoring) {
    waiting.push([req, res]);
  } else if (!journalPath || !isWrite(req)) {
    handle(req, res);
  } else {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const { method, url, headers } = req;
      const entry = { at: Date.now(), method, url, headers, body: body.toString("base64") };
      // Documents and keys: readable by this user only.
      appendFileSync(journalPath, JSON.stringify(entry) + "\n", { mode: 0o600 });
      handle(request(method, url, headers, body), res);
    });
  }
});

async function restore() {
  if (!journalPath || !existsSync(journalPath)) return 0;
  let count = 0;
  const now = Date.now;
  for (const line of readFileSync(journalPath, "utf8").split("\n")) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // empty, or cut short by a kill
    }
    // Documents keep their original _ts: the clock reads the journaled time meanwhile
    // (nothing else runs during the restore; requests wait).
    Date.now = () => entry.at;
    await new Promise((resolve) => {
      const res = {
        statusCode: 200,
        finished: false,
        setHeader() {},
        end() {
          this.finished = true;
          resolve();
        },
      };
      handle(request(entry.method, entry.url, entry.headers, Buffer.from(entry.body, "base64")), res);
    });
    Date.now = now;
    count += 1;
  }
  return count;
}

server.listen(Number(port), "127.0.0.1", () => {
  restore().then((count) => {
    restoring = false;
    console.log(`cosmosdb-server restored ${count} write(s)`);
    console.log(`cosmosdb-server listening on https://127.0.0.1:${server.address().port}`);
    for (const [req, res] of waiting.splice(0)) server.emit("request", req, res);
  });
});

function stop(signal) {
  console.log(`cosmosdb-server stopping on ${signal}`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
