/* libpng 1.6 simplified API (png_image_*): errors come back as return values, no longjmp. */
#include <png.h>
/* Composite format macros are not imported into Swift; expose them as constants. */
static const unsigned int FMNIST_PNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const unsigned int FMNIST_PNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const unsigned int FMNIST_PNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const unsigned int FMNIST_PNG_IMAGE_VERSION = PNG_IMAGE_VERSION;
