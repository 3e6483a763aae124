// zlib, from Debian's zlib1g-dev (on every machine of this kind): inflate for gzip request bodies.
#include <zlib.h>
