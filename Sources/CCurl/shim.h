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
static inline CURLMcode ec_curl_multi_setopt_long(CURLM * _Nonnull m, CURLMoption o, long v) {
    return curl_multi_setopt(m, o, v);
}
static inline CURLMcode ec_curl_multi_setopt_pointer(CURLM * _Nonnull m, CURLMoption o, void * _Nullable v) {
    return curl_multi_setopt(m, o, v);
}

/* CURLVERSION_NOW is a macro naming the newest struct layout; Swift cannot see it. */
static inline curl_version_info_data * _Nullable ec_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}

#endif
