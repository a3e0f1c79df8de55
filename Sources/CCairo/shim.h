/* cairo 1.16: 2-D vector graphics with antialiasing, text through fontconfig/FreeType, PNG and SVG. */
#include <cairo.h>
#include <cairo-svg.h>
