-- wrk script for bench/load.py. Arguments after "--": either "path|cookie" per page, taken in
-- turn by each connection, or "@FILE": a file of such lines, each request a random one of them
-- (the realistic mix: a random page of a random viewer).
local pages = {}
local counter = 0
local random = false

init = function(args)
  local lines = args
  if args[1] and args[1]:sub(1, 1) == "@" then
    random = true
    lines = {}
    for line in io.lines(args[1]:sub(2)) do table.insert(lines, line) end
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  end
  for _, arg in ipairs(lines) do
    local path, cookie = arg:match("^([^|]*)|(.*)$")
    table.insert(pages, {path = path, cookie = cookie})
  end
end

request = function()
  counter = counter + 1
  local page = random and pages[math.random(#pages)] or pages[(counter % #pages) + 1]
  local headers = {}
  if page.cookie ~= "" then headers["Cookie"] = page.cookie end
  return wrk.format("GET", page.path, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.3f p95=%.3f p99=%.3f errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, errors))
end
