/** Board commands through the Promise client, end to end against the dev server: typed in code, snake_case on the wire. */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import type { BoardComment, BoardNode, BoardPin } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
let client: FlowLikeClient

beforeEach(async () => {
  server = await DevServer.start({ keepAliveMillis: 50 })
  client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat, maxRetries: 0 })
})

afterEach(async () => {
  await client.close()
  await server.close()
})

/** The rejection of a promise, which must be a `FlowLikeError`. */
const failure = async (promise: Promise<unknown>): Promise<FlowLikeError> => {
  const error = await promise.then(() => undefined, (error: unknown) => error)
  expect(error).toBeInstanceOf(FlowLikeError)
  return error as FlowLikeError
}

describe("board commands end to end", () => {
  it("edits a board with typed commands: nodes, pins, comments, variables and layers, answered as executed", async () => {
    const app = server.seed.appId
    const board = server.seed.boardId
    const pin = (id: string, pinType: "Input" | "Output", index: number): BoardPin => ({
      id,
      name: id,
      friendlyName: id,
      description: "",
      pinType,
      dataType: "Execution",
      valueType: "Normal",
      dependsOn: [],
      connectedTo: [],
      index
    })
    const node = (id: string, pins: ReadonlyArray<BoardPin>, x: number): BoardNode => ({
      id,
      name: "log_info",
      friendlyName: "Log",
      description: "",
      coordinates: [x, 0, 0],
      category: "Logging",
      pins: Object.fromEntries(pins.map((entry) => [entry.id, entry]))
    })
    const variable = {
      id: "v1",
      name: "count",
      defaultValue: [49],
      dataType: "Integer",
      valueType: "Normal",
      exposed: false,
      secret: false,
      editable: true
    } as const
    const comment: BoardComment = { id: "c1", content: "note", commentType: "Text", timestamp: new Date(1764237662123), coordinates: [5, 5, 0] }
    const executed = await client.executeCommands(app, board, [
      { commandType: "AddNode", node: node("a", [pin("a_out", "Output", 1)], 0) },
      { commandType: "AddNode", node: node("b", [pin("b_in", "Input", 1)], 100) },
      { commandType: "ConnectPin", fromNode: "a", fromPin: "a_out", toNode: "b", toPin: "b_in" },
      { commandType: "ConnectPin", fromNode: "a", fromPin: "a_out", toNode: "nowhere", toPin: "x" },
      { commandType: "MoveNode", nodeId: "b", toCoordinates: [300, 50, 0] },
      { commandType: "UpsertPin", nodeId: "b", pin: pin("draft", "Input", 0) },
      { commandType: "UpsertComment", comment },
      { commandType: "UpsertVariable", variable },
      {
        commandType: "UpsertLayer",
        layer: { id: "l1", name: "Group", type: "Collapsed", nodes: {}, variables: {}, comments: {}, coordinates: [0, 0, 0], pins: {} },
        nodeIds: ["a", "c1"]
      }
    ])
    expect(executed.map((command) => command.commandType)).toEqual([
      "AddNode",
      "AddNode",
      "ConnectPin",
      "ConnectPin",
      "MoveNode",
      "UpsertPin",
      "UpsertComment",
      "UpsertVariable",
      "UpsertLayer"
    ])
    expect(executed[3]).toEqual({ commandType: "ConnectPin", fromNode: "a", fromPin: "a_out", toNode: "nowhere", toPin: "x" })
    const moved = executed[4]
    expect(moved?.commandType === "MoveNode" ? moved.fromCoordinates : undefined).toEqual([100, 0, 0])
    const upserted = executed[5]
    const newPin = upserted?.commandType === "UpsertPin" ? upserted.pin : undefined
    expect(newPin?.id).not.toBe("draft")
    expect(newPin?.index).toBe(2)
    const layered = executed[8]
    expect(layered?.commandType === "UpsertLayer" ? layered.layer.coordinates : undefined).toEqual([2.5, 2.5, 0])

    const after = await client.getBoard(app, board)
    const raw = after.raw as {
      nodes: Record<string, { coordinates: Array<number>; layer: string | null; pins: Record<string, { connected_to: Array<string>; depends_on: Array<string> }> }>
      comments: Record<string, { content: string; layer: string | null }>
      variables: Record<string, { data_type: string; default_value: Array<number> }>
      layers: Record<string, { name: string }>
    }
    expect(Object.keys(raw.nodes).sort()).toEqual(["a", "b"])
    expect(raw.nodes["a"]?.pins["a_out"]?.connected_to).toEqual(["b_in"])
    expect(raw.nodes["b"]?.pins["b_in"]?.depends_on).toEqual(["a_out"])
    expect(raw.nodes["b"]?.coordinates).toEqual([300, 50, 0])
    expect(Object.keys(raw.nodes["b"]?.pins ?? {})).toHaveLength(2)
    expect([raw.nodes["a"]?.layer, raw.comments["c1"]?.layer]).toEqual(["l1", "l1"])
    expect(raw.variables["v1"]).toMatchObject({ data_type: "Integer", default_value: [49] })
    expect(raw.layers["l1"]?.name).toBe("Group")

    const second = await client.executeCommands(app, board, [
      { commandType: "DisconnectPin", fromNode: "a", fromPin: "a_out", toNode: "b", toPin: "b_in" },
      { commandType: "RemoveVariable", variable },
      { commandType: "RemoveLayer", layer: { ...(layered?.commandType === "UpsertLayer" ? layered.layer : ({} as never)) }, layerNodes: [], childLayers: [], layers: [], nodes: [], preserveNodes: true },
      { commandType: "RemoveNode", node: node("b", [], 0), connectedNodes: [] }
    ])
    expect(second.at(-1)?.commandType === "RemoveNode" ? second.at(-1) : undefined).toBeDefined()
    const last = (await client.getBoard(app, board)).raw as typeof raw
    expect(Object.keys(last.nodes)).toEqual(["a"])
    expect(last.nodes["a"]?.pins["a_out"]?.connected_to).toEqual([])
    expect(last.nodes["a"]?.layer).toBeNull()
    expect(last.variables).toEqual({})
    expect(last.layers).toEqual({})

    const before = server.requests.length
    const refused = await failure(client.executeCommands(app, board, [{ commandType: "Explode" } as never]))
    expect(refused.reason._tag).toBe("InvalidArgumentError")
    const incomplete = await failure(client.executeCommands(app, board, [{ commandType: "MoveNode", nodeId: "a" } as never]))
    expect(incomplete.reason._tag).toBe("InvalidArgumentError")
    // @ts-expect-error the wire's snake_case is not the code's shape
    const wire = await failure(client.executeCommands(app, board, [{ command_type: "MoveNode", node_id: "a", to_coordinates: [0, 0, 0] }]))
    expect(wire.reason._tag).toBe("InvalidArgumentError")
    expect(server.requests.length).toBe(before)
  })
})
