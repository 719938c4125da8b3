import CCurl

/// libcurl's process-wide initialisation, done once (global `let`s initialise atomically).
let curlGlobalInit: CURLcode = hangar_curl_global_init()
