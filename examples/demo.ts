/**
 * A tour of the SDK against the embedded Flow-Like dev server (real HTTP over loopback):
 * stream a workflow's events, start a run asynchronously and follow it to the end, see the typed
 * errors, stream a chat answer, find the nearest document by embeddings, and store embedded
 * documents in the app's database to search them through LanceDB (a small RAG flow), and move a
 * file through signed storage URLs (upload with a progress bar, list, download, delete). Run it with `pnpm demo`. Set FLOW_LIKE_BASE_URL, FLOW_LIKE_PAT, FLOW_LIKE_APP_ID,
 * FLOW_LIKE_BOARD_ID and FLOW_LIKE_NODE_ID and pass `--remote` to point the first part at a real server.
 */
import { ChatStream, FlowLikeClient, FlowLikeError } from "@flow-like/client"
import type { RunEvent, WorkflowEvent } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"

const remote = process.argv.includes("--remote")
const print = (line = "") => process.stdout.write(`${line}\n`)
const heading = (title: string) => print(`\n=== ${title} ===`)

const describeEvent = (event: WorkflowEvent | RunEvent): string => {
  switch (event._tag) {
    case "RunInitiated":
      return `run ${event.runId} started`
    case "Log":
      return `log: ${event.message}`
    case "NodeState":
      return `nodes ${event.nodeIds.join(", ")}: ${event.method}`
    case "Progress":
      return `progress ${event.progress ?? "?"}%${event.message === undefined ? "" : `: ${event.message}`}`
    case "Toast":
      return `toast: ${event.message}`
    case "Completed":
      return `completed (${event.status}) in ${event.durationMs ?? "?"} ms`
    case "Error":
      return `error: ${event.message}`
    case "Unknown":
      return `${event.eventType}: ${JSON.stringify(event.payload)}`
  }
}

const bar = (percent: number) => {
  const width = 30
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width)
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(percent).padStart(3)}%`
}

const server = remote ? undefined : await DevServer.start()
const client = remote ? new FlowLikeClient() : new FlowLikeClient({ baseUrl: server?.url, pat: server?.pat })
const ids = server === undefined
  ? {
    appId: process.env.FLOW_LIKE_APP_ID ?? "",
    boardId: process.env.FLOW_LIKE_BOARD_ID ?? "",
    nodeId: process.env.FLOW_LIKE_NODE_ID ?? "",
    slowBoardId: process.env.FLOW_LIKE_BOARD_ID ?? "",
    failingBoardId: process.env.FLOW_LIKE_BOARD_ID ?? ""
  }
  : server.seed

try {
  print(server === undefined ? `Flow-Like server: ${client.config.baseUrl}` : `Embedded dev server: ${server.url}`)

  heading("1. Stream a workflow (SSE)")
  for await (const event of client.triggerWorkflow(ids.appId, ids.boardId, ids.nodeId, { greeting: "hello" })) {
    print(`  ${event.timestamp.toISOString().slice(11, 23)}  ${describeEvent(event)}`)
  }

  heading("2. Start a run asynchronously and follow it (long polling)")
  const started = await client.triggerWorkflowAsync(ids.appId, ids.slowBoardId, ids.nodeId, { report: "weekly" })
  print(`  run ${started.runId}: ${started.status} via ${started.backend ?? "?"}`)
  for await (const event of client.watchRun(started.pollToken)) {
    if (event._tag === "Gap") {
      print(`  events ${event.missingFrom} to ${event.missingTo} were lost on the way`)
    } else if (event._tag === "Progress" && event.progress !== undefined) {
      print(`  #${String(event.sequence).padStart(2)} ${bar(event.progress)} ${event.message ?? ""}`)
    } else {
      print(`  #${String(event.sequence).padStart(2)} ${describeEvent(event)}`)
    }
  }
  const status = await client.getRunStatus(started.runId)
  print(`  final status: ${status.status} (progress ${status.progress ?? "?"}%)`)

  heading("3. Typed errors")
  try {
    for await (const event of client.triggerWorkflow(ids.appId, ids.failingBoardId, ids.nodeId)) {
      print(`  ${describeEvent(event)}`)
    }
  } catch (error) {
    if (!(error instanceof FlowLikeError)) throw error
    print(`  ${error.reason._tag}: ${error.message}`)
  }
  try {
    await client.getRunStatus("no-such-run")
  } catch (error) {
    if (!(error instanceof FlowLikeError)) throw error
    print(`  ${error.reason._tag} (HTTP ${error.status}, code ${error.code}): retryable? ${error.isRetryable}`)
  }
  try {
    new FlowLikeClient({ baseUrl: "https://api.flow-like.com", token: "sk-not-a-flow-like-token" })
  } catch (error) {
    if (!(error instanceof FlowLikeError)) throw error
    print(`  ${error.reason._tag}: ${error.message}`)
  }
  if (server !== undefined) {
    const { embeddingBitId, llmBitId } = server.seed.bits

    heading("4. Chat, streamed (the dev server's local model)")
    const chunks = client.chatCompletions({ bitId: llmBitId, messages: [{ role: "user", content: "Say hello to the demo" }], stream: true })
    let answer = ""
    for await (const text of ChatStream.textDeltas(chunks)) answer += text
    print(`  ${answer}`)

    heading("5. Embeddings: which document answers the question?")
    const documents = ["Boards are workflows made of nodes", "Runs can be followed by long polling", "Secrets never appear in logs"]
    const question = "how do I follow a run?"
    const { embeddings } = await client.embed({ bitId: embeddingBitId, input: [...documents, question] })
    const cosine = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0)
    const query = embeddings.at(-1) ?? []
    const scores = documents.map((document, index) => ({ document, score: cosine(embeddings[index] ?? [], query) }))
    const best = scores.reduce((top, candidate) => (candidate.score > top.score ? candidate : top))
    print(`  ${question} -> "${best.document}" (cosine ${best.score.toFixed(2)})`)

    heading("6. RAG: store embedded documents, search them through LanceDB")
    const notes = [
      "Tables live in the app's LanceDB database",
      "Credentials for LanceDB expire after one hour",
      "The dev server runs a local embedding model"
    ]
    const stored = await client.embed({ bitId: embeddingBitId, input: notes, embedType: "document" })
    const lance = await client.createLanceConnection(server.appId, { accessMode: "write" })
    try {
      await lance.createTable("notes", notes.map((text, index) => ({ id: index, text, vector: [...(stored.embeddings[index] ?? [])] })))
      print(`  stored ${await client.countItems(server.appId, "notes")} notes; tables: ${(await client.listTables(server.appId)).join(", ")}`)
      const ask = "when do LanceDB credentials expire?"
      const [asked = []] = (await client.embed({ bitId: embeddingBitId, input: ask, embedType: "query" })).embeddings
      const table = await lance.openTable("notes")
      const [hit] = await table.vectorSearch([...asked]).limit(1).toArray()
      print(`  rag: ${ask} -> "${String(hit?.text)}"`)
    } finally {
      lance.close()
    }

    heading("7. Files: upload with progress, list, download, delete")
    const report = new Uint8Array(16 * 1024 * 1024).map((_, index) => index % 251)
    const uploaded = await client.uploadFile(ids.appId, report, {
      key: "reports/demo.bin",
      onProgress: ({ loaded, total }) => print(`  ${bar(Math.floor((loaded / total) * 100))} ${loaded} of ${total} bytes`)
    })
    print(`  uploaded ${uploaded.key} (${uploaded.size} bytes) through a signed URL`)
    for (const file of await client.listFiles(ids.appId, { recursive: true })) {
      print(`  ${file.isDir ? "dir " : "file"} ${file.key}${file.isDir ? "" : ` ${file.size} bytes, ${file.lastModified?.toISOString()}`}`)
    }
    const downloaded = await client.downloadFile(ids.appId, "reports/demo.bin")
    print(`  downloaded ${downloaded.byteLength} bytes, identical: ${downloaded.every((byte, index) => byte === report[index])}`)
    await client.deleteFile(ids.appId, "reports/demo.bin")
    print(`  deleted; files left: ${(await client.listFiles(ids.appId, { recursive: true })).filter((file) => !file.isDir).length}`)
  }
  print("\nDone.")
} finally {
  await client.close()
  await server?.close()
}
