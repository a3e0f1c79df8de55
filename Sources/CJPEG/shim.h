/* libjpeg-turbo decoding behind one C function: libjpeg reports errors by calling error_exit,
   which must not return; here it longjmps back into C (never through Swift frames) and the
   function returns the message instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct fmnist_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
};

static void fmnist_jpeg_error_exit(j_common_ptr info) {
    struct fmnist_jpeg_error *error = (struct fmnist_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    longjmp(error->escape, 1);
}

/* Warnings (level -1: corrupt or truncated data, which libjpeg would fill in with gray) are kept,
   and the decode then fails: a damaged file must not become a silently wrong image. */
static void fmnist_jpeg_warning(j_common_ptr info, int level) {
    struct fmnist_jpeg_error *error = (struct fmnist_jpeg_error *)info->err;
    if (level < 0) {
        if (info->err->num_warnings == 0) (*info->err->format_message)(info, error->message);
        info->err->num_warnings++;
    }
}

/* The one failure path: `text` (or libjpeg's message when NULL) into `message`, everything freed. */
static unsigned char *fmnist_jpeg_fail(struct jpeg_decompress_struct *info, struct fmnist_jpeg_error *error,
                                       unsigned char *pixels, const char *text, char *message) {
    strncpy(message, text ? text : error->message, 199);
    message[199] = 0;
    jpeg_destroy_decompress(info);
    free(pixels);
    return NULL;
}

/* Decodes `size` bytes of JPEG into 8-bit RGB: on success returns a malloc'ed buffer of
   width * height * 3 bytes (free it with free) and sets *width and *height; on failure (including any
   corrupt-data warning) returns
   NULL and writes a message of at most 199 characters into `message`. */
static inline unsigned char *fmnist_jpeg_decode_rgb(const unsigned char *data, unsigned long size, int *width, int *height,
                                                    char *message) {
    struct jpeg_decompress_struct info;
    struct fmnist_jpeg_error error;
    unsigned char *volatile pixels = NULL;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = fmnist_jpeg_error_exit;
    error.manager.emit_message = fmnist_jpeg_warning;
    if (setjmp(error.escape)) return fmnist_jpeg_fail(&info, &error, pixels, NULL, message);
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    /* libjpeg converts CMYK (and YCCK) only to CMYK: those are read as CMYK and converted below. */
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&info);
    if (info.output_components != (cmyk ? 4 : 3) || info.output_width == 0 || info.output_height == 0
        || (unsigned long)info.output_width * info.output_height > 100000000UL) {
        return fmnist_jpeg_fail(&info, &error, NULL,
                                "unsupported JPEG (not convertible to RGB, empty, or over 100 megapixels)", message);
    }
    unsigned long stride = (unsigned long)info.output_width * 3;
    pixels = malloc(stride * info.output_height + (cmyk ? info.output_width : 0));
    if (!pixels) return fmnist_jpeg_fail(&info, &error, NULL, "out of memory", message);
    while (info.output_scanline < info.output_height) {
        unsigned char *row = pixels + stride * info.output_scanline;
        if (!cmyk) { jpeg_read_scanlines(&info, &row, 1); continue; }
        /* A CMYK row is a third longer than its RGB row: it is read over this row and the next (or
           the spare bytes after the last), then converted in place front to back with Pillow's
           arithmetic (`cmyk2rgb`): R = (255 - K) - C (255 - K) / 255, the division rounded as its
           MULDIV255. Adobe's files store the inks inverted (libjpeg notes the Adobe marker), as
           Pillow reads them ("CMYK;I"). */
        jpeg_read_scanlines(&info, &row, 1);
        for (unsigned long x = 0; x < info.output_width; x++) {
            unsigned char *in = row + 4 * x, *out = row + 3 * x;
            int ink[4];
            for (int j = 0; j < 4; j++) ink[j] = info.saw_Adobe_marker ? 255 - in[j] : in[j];
            int paper = 255 - ink[3];
            for (int j = 0; j < 3; j++) {
                int t = ink[j] * paper + 128;
                out[j] = (unsigned char)(paper - (((t >> 8) + t) >> 8));
            }
        }
    }
    jpeg_finish_decompress(&info);
    if (error.manager.num_warnings > 0) return fmnist_jpeg_fail(&info, &error, pixels, NULL, message);
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    jpeg_destroy_decompress(&info);
    return pixels;
}
