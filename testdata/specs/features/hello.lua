-- A Lua HTTP service (core.register_service): answers with the Lua version it runs on.
core.register_service("hello", "http", function(applet)
    local body = "kiln: hello from " .. _VERSION .. "\n"
    applet:set_status(200)
    applet:add_header("content-type", "text/plain")
    applet:add_header("content-length", string.len(body))
    applet:start_response()
    applet:send(body)
end)
