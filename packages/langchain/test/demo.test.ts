/** `pnpm demo:langchain`: the seed's LangChain examples in TypeScript run against the embedded dev server. */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const run = (script: string) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    execFile(process.execPath, [script], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
    })
  })

it("the LangChain example: factories, standalone, a chain, streaming, RAG with a vector store, a tool loop", async () => {
  const { code, stdout, stderr } = await run("examples/langchain.ts")
  expect(stderr).toBe("")
  expect(code).toBe(0)
  expect(stdout).toContain("chat model: FlowLikeChatModel on ")
  expect(stdout).toContain("standalone: You said: Hello!")
  expect(stdout).toContain("chain: You said: What is Flow-Like?")
  const chunks = /(\d+) chunks: (.*)/.exec(stdout)
  expect(Number(chunks?.[1])).toBeGreaterThan(3)
  expect(chunks?.[2]).toContain("\"Stream \" \"this \" \"answer\"")
  expect(stdout).toContain("2 document vectors of length 384, a query vector of length 384")
  expect(stdout).toContain("closest document: \"It runs on your device.\"")
  expect(stdout).toContain("model calls get_weather({\"city\":\"Paris\"})")
  expect(stdout).toContain("final answer: The tool answered: Sunny and 21 C in Paris")
  expect(stdout.trimEnd().endsWith("Done.")).toBe(true)
}, 70_000)
