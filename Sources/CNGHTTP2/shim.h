// libnghttp2 from Debian's libnghttp2-dev; RPC's HTTP2Session.swift is the only Swift file that uses it.
#include <nghttp2/nghttp2.h>
