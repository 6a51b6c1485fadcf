#ifndef EXPORT_COLLECTOR_CCURL_SHIM_H
#define EXPORT_COLLECTOR_CCURL_SHIM_H

#include <curl/curl.h>

/* Swift cannot call C variadic functions. These typed wrappers cover every
 * argument kind curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt
 * take; each returns curl's own code so callers can check it. */

typedef size_t (*ec_curl_data_callback)(char * _Nonnull, size_t, size_t, void * _Nullable);

static inline CURLcode ec_curl_easy_setopt_long(CURL * _Nonnull h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ec_curl_easy_setopt_off_t(CURL * _Nonnull h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ec_curl_easy_setopt_string(CURL * _Nonnull h, CURLoption o, const char * _Nullable v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ec_curl_easy_setopt_pointer(CURL * _Nonnull h, CURLoption o, void * _Nullable v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ec_curl_easy_setopt_slist(CURL * _Nonnull h, CURLoption o, struct curl_slist * _Nullable v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ec_curl_easy_setopt_data_callback(CURL * _Nonnull h, CURLoption o, ec_curl_data_callback _Nullable v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ec_curl_easy_getinfo_long(CURL * _Nonnull h, CURLINFO i, long * _Nonnull v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode ec_curl_easy_getinfo_off_t(CURL * _Nonnull h, CURLINFO i, curl_off_t * _Nonnull v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode ec_curl_easy_getinfo_string(CURL * _Nonnull h, CURLINFO i, const char * _Nullable * _Nonnull v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode ec_curl_easy_getinfo_pointer(CURL * _Nonnull h, CURLINFO i, void * _Nullable * _Nonnull v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode ec_curl_easy_getinfo_socket(CURL * _Nonnull h, CURLINFO i, curl_socket_t * _Nonnull v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLMcode ec_curl_multi_setopt_long(CURLM * _Nonnull m, CURLMoption o, long v) {
    return curl_multi_setopt(m, o, v);
}
static inline CURLMcode ec_curl_multi_setopt_pointer(CURLM * _Nonnull m, CURLMoption o, void * _Nullable v) {
    return curl_multi_setopt(m, o, v);
}

/* CURLOPT_HEADERFUNCTION has the same shape as the write callback:
 * (buffer, size, nitems, userdata) -> bytes consumed. */
typedef ec_curl_data_callback ec_curl_header_callback;

static inline CURLcode ec_curl_easy_setopt_header_callback(CURL * _Nonnull h, ec_curl_header_callback _Nullable v) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, v);
}

/* CURLOPT_XFERINFOFUNCTION: return non-zero to abort the transfer. */
typedef int (*ec_curl_xferinfo_callback)(void * _Nullable, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

static inline CURLcode ec_curl_easy_setopt_xferinfo_callback(CURL * _Nonnull h, ec_curl_xferinfo_callback _Nullable v) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v);
}

/* CURLMsg carries its result in an anonymous union; read it in C. */
static inline CURLcode ec_curl_msg_result(const CURLMsg * _Nonnull m) {
    return m->data.result;
}
static inline int ec_curl_msg_is_done(const CURLMsg * _Nonnull m) {
    return m->msg == CURLMSG_DONE;
}

/* curl_easy_pause's action bits are macros built from other macros. */
static inline CURLcode ec_curl_easy_pause_recv(CURL * _Nonnull h) {
    return curl_easy_pause(h, CURLPAUSE_RECV);
}
static inline CURLcode ec_curl_easy_pause_cont(CURL * _Nonnull h) {
    return curl_easy_pause(h, CURLPAUSE_CONT);
}

/* CURLVERSION_NOW is a macro naming the newest struct layout; Swift cannot see it. */
static inline curl_version_info_data * _Nullable ec_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}

#endif
