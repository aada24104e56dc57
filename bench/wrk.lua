-- wrk script for bench/load.py: each connection takes the given pages in turn (one page for the
-- per-page runs), each with its persona's cookie. Arguments after "--": "path|cookie" per page.
local pages = {}
local counter = 0

init = function(args)
  for _, arg in ipairs(args) do
    local path, cookie = arg:match("^([^|]*)|(.*)$")
    table.insert(pages, {path = path, cookie = cookie})
  end
end

request = function()
  counter = counter + 1
  local page = pages[(counter % #pages) + 1]
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
