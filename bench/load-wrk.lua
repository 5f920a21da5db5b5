-- The HTTP load of `npm run bench` through wrk (bench/load-http.ts writes the files and reads the result).
-- Arguments after `--`: method, path ("{id}" replaced per request by a random line of the ids file), bearer
-- token, content type, bodies file (bodies separated by the byte 0x1E, sent in turn; "" for none), ids file
-- ("" for none). done() writes the result as one JSON line to the file named by $WRK_RESULT.

local method, template, bodies, ids = "GET", "/", {}, {}
local sent = 0

local function load_args(args)
  method, template = args[1], args[2]
  wrk.headers["Authorization"] = "Bearer " .. args[3]
  if args[4] ~= "" then wrk.headers["Content-Type"] = args[4] end
  if args[5] ~= "" then
    local file = assert(io.open(args[5], "rb"))
    local all = file:read("*a")
    file:close()
    for body in string.gmatch(all, "[^\30]+") do bodies[#bodies + 1] = body end
  end
  if args[6] ~= "" then
    for line in io.lines(args[6]) do ids[#ids + 1] = line end
  end
end

-- setup() and done() run in the main thread's Lua state, init() and request() in each thread's own.
function setup(thread)
  thread:set("seed", math.random(1, 2147483647))
end

function init(args)
  load_args(args)
  math.randomseed(os.time() + (seed or 0))
end

function request()
  local path = template
  if #ids > 0 then
    local at = string.find(template, "{id}", 1, true)
    if at then path = string.sub(template, 1, at - 1) .. ids[math.random(#ids)] .. string.sub(template, at + 4) end
  end
  local body = nil
  if #bodies > 0 then
    sent = sent + 1
    body = bodies[(sent - 1) % #bodies + 1]
  end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_RESULT"), "w"))
  local e = summary.errors
  out:write(string.format(
    '{"requests":%d,"seconds":%.6f,"p50":%.3f,"p99":%.3f,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"non2xx":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
  out:close()
end
