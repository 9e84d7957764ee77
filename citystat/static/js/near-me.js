/*
 * Near me (templates/public/near_me.html): a tap on the map, or the phone's location,
 * becomes a latitude and longitude sent to the server, which finds the areas holding it
 * (citystat/city/lookup.py). Nothing is computed here but the tap's coordinates.
 *
 * The map is drawn with a linear projection (citystat/city/svg_maps.py), so a point in the
 * SVG's own units converts back with the four numbers the SVG carries. Without JavaScript
 * each area is a link to its page; a link followed from the keyboard (a click with no
 * pointer, event.detail 0) still opens that page.
 */
(function () {
  "use strict";

  var form = document.getElementById("near-me-point");
  if (!form) {
    return;
  }

  function send(latitude, longitude, how) {
    form.elements.lat.value = latitude.toFixed(6);
    form.elements.lon.value = longitude.toFixed(6);
    form.elements.how.value = how;
    form.submit();
  }

  var map = document.querySelector("svg[data-near-me]");
  if (map) {
    map.addEventListener("click", function (event) {
      if (event.detail === 0 || !map.getScreenCTM()) {
        return;
      }
      event.preventDefault();
      var point = map.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var inMap = point.matrixTransform(map.getScreenCTM().inverse());
      var west = parseFloat(map.getAttribute("data-west"));
      var north = parseFloat(map.getAttribute("data-north"));
      var xScale = parseFloat(map.getAttribute("data-x-scale"));
      var yScale = parseFloat(map.getAttribute("data-y-scale"));
      send(north - inMap.y / yScale, west + inMap.x / xScale, "map");
    });
  }

  var locate = document.getElementById("near-me-locate");
  var refused = document.getElementById("near-me-locate-error");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (position) {
          send(position.coords.latitude, position.coords.longitude, "location");
        },
        function () {
          refused.textContent = locate.getAttribute("data-refused");
          refused.hidden = false;
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }
})();
