-- A browser user agent and one of 60,000 client addresses per request.
local n = 0
request = function()
  n = n + 1
  local i = (n * 7919) % 60000
  local ip = "10." .. math.floor(i / 65536) .. "." .. (math.floor(i / 256) % 256) .. "." .. (i % 256)
  return wrk.format("GET", "/", {
    ["Host"] = "6108280001.localhost",
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    ["X-Forwarded-For"] = ip,
  })
end
