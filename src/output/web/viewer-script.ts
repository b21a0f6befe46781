/**
 * The point-cloud viewer that runs in the browser. This is its ES module source: the build (and
 * the stages, when they run from the sources) bundle it with three.js into one minified classic
 * script, `kamui-viewer.js` (see viewer-bundle.ts), which works from `file://` as well as over
 * HTTP. Both the standalone viewer page (threejs-pointcloud-viewer) and the web player use it.
 *
 * It mounts every element with a `data-kamui-viewer` attribute. The element's `data-config`
 * names a `<script type="application/json">` element holding a {@link ViewerConfig}; inside the
 * element the script looks for optional controls by `data-role`: `canvas` (where the canvas
 * goes; default the element itself), `status` (text: point count or the error),
 * `auto-rotate` (checkbox), `point-size` (range input, same unit as `pointSize`), `reset`
 * (button). Double-click on the canvas toggles auto-rotation.
 *
 * The points come from the config's `data` script (see cloud-data.ts): a classic script that
 * stores the PLY bytes, base64, under `self.KAMUI_CLOUDS[key]`. It is added to the page as a
 * `<script>` element, which browsers load from `file://` too (a `fetch` of the `.ply` file is
 * refused there). Then it parses the PLY with three's `PLYLoader`, centres the cloud on its
 * bounding sphere, draws it as `THREE.Points` (vertex colours when the PLY has them), and places
 * a perspective camera on the `cameraPosition` direction at the distance where every corner of
 * the bounding box is in view (plus 10 %), scaled by `|cameraPosition| / 100` (so the legacy
 * default `0,0,100` frames the whole cloud). `OrbitControls` with damping; auto-rotation speed is
 * `2 × animationSpeed` (OrbitControls' unit: 2 = one turn in 30 s at 60 fps). Point size is
 * `pointSize × the estimated point spacing` in world units, a heuristic: the square root of the area of the two
 * largest bounding-box sides divided by the point count (points of a depth-map grid then just
 * touch at `pointSize` 1). It renders only when something changed.
 *
 * When done it sets `data-state="ready"` and `data-points="<count>"` on the element (after the
 * first frame is drawn), or `data-state="error"` with the message in the status element.
 */
export const VIEWER_SCRIPT = `// kamui point-cloud viewer (kamui-media-actions; three.js served from this site)
import * as THREE from 'three'
import { PLYLoader } from 'three/addons/loaders/PLYLoader.js'
import { OrbitControls } from 'three/addons/controls/OrbitControls.js'

function part(root, role) {
  return root.querySelector('[data-role="' + role + '"]')
}

function setStatus(root, text) {
  const status = part(root, 'status')
  if (status) status.textContent = text
}

function fitDistance(box, direction, up, camera) {
  // The distance along direction at which every corner of the box is inside the view.
  const tanV = Math.tan(THREE.MathUtils.degToRad(camera.fov) / 2)
  const tanH = tanV * camera.aspect
  const back = direction.clone()
  const right = new THREE.Vector3().crossVectors(up, back).normalize()
  const upward = new THREE.Vector3().crossVectors(back, right)
  let distance = 0
  for (const x of [box.min.x, box.max.x]) {
    for (const y of [box.min.y, box.max.y]) {
      for (const z of [box.min.z, box.max.z]) {
        const corner = new THREE.Vector3(x, y, z)
        const depth = corner.dot(back)
        distance = Math.max(
          distance,
          depth + Math.abs(corner.dot(right)) / tanH,
          depth + Math.abs(corner.dot(upward)) / tanV,
        )
      }
    }
  }
  return distance
}

function pointSpacing(box, count) {
  const size = box.getSize(new THREE.Vector3())
  const sides = [size.x, size.y, size.z].sort(function (a, b) { return b - a })
  const area = sides[0] * sides[1]
  const spacing = Math.sqrt(area / Math.max(1, count))
  return spacing > 0 && Number.isFinite(spacing) ? spacing : Math.max(sides[0], 1) / 100
}

function loadScript(url) {
  return new Promise(function (resolve, reject) {
    const script = document.createElement('script')
    script.src = url
    script.onload = function () { resolve() }
    script.onerror = function () { reject(new Error('the point data ' + url + ' could not be loaded')) }
    document.head.appendChild(script)
  })
}

async function cloudBytes(data) {
  const store = function () { return (self.KAMUI_CLOUDS || {})[data.key] }
  if (typeof store() !== 'string') await loadScript(data.url)
  const text = store()
  if (typeof text !== 'string') throw new Error('the point data ' + data.url + ' holds no cloud ' + data.key)
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

async function mount(root) {
  root.dataset.state = 'loading'
  const configElement = document.getElementById(root.dataset.config || '')
  if (!configElement) throw new Error('viewer configuration not found')
  const config = JSON.parse(configElement.textContent)
  const host = part(root, 'canvas') || root
  const size = function () {
    return { width: host.clientWidth || 640, height: host.clientHeight || 480 }
  }
  setStatus(root, 'Loading the point cloud…')

  const geometry = new PLYLoader().parse(await cloudBytes(config.data))
  const positions = geometry.getAttribute('position')
  const count = positions ? positions.count : 0
  if (count === 0) throw new Error('the PLY file holds no points')
  geometry.computeBoundingSphere()
  const center = geometry.boundingSphere.center.clone()
  geometry.translate(-center.x, -center.y, -center.z)
  geometry.computeBoundingSphere()
  geometry.computeBoundingBox()
  const radius = geometry.boundingSphere.radius > 0 ? geometry.boundingSphere.radius : 1
  const spacing = pointSpacing(geometry.boundingBox, count)
  const hasColor = Boolean(geometry.getAttribute('color'))

  const first = size()
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true })
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2))
  renderer.setSize(first.width, first.height)
  renderer.domElement.setAttribute('role', 'img')
  renderer.domElement.setAttribute('aria-label', config.title || 'Point cloud')
  host.appendChild(renderer.domElement)

  const scene = new THREE.Scene()
  scene.background = new THREE.Color(config.background)
  const camera = new THREE.PerspectiveCamera(50, first.width / first.height, 0.01, 10)
  // PointsMaterial draws size × (half the canvas height) / depth pixels; one world unit at that
  // depth spans that many pixels times 1 / tan(fov / 2). This makes the size world units.
  const sizeUnit = spacing / Math.tan(THREE.MathUtils.degToRad(camera.fov) / 2)
  const material = new THREE.PointsMaterial({
    size: config.pointSize * sizeUnit,
    sizeAttenuation: true,
    vertexColors: hasColor,
    color: hasColor ? 0xffffff : 0xd0d0d0,
  })
  scene.add(new THREE.Points(geometry, material))

  const direction = new THREE.Vector3().fromArray(config.cameraPosition)
  const zoom = direction.length() / 100
  direction.normalize()
  if (Math.abs(direction.y) > 0.999) camera.up.set(0, 0, direction.y > 0 ? -1 : 1)
  const place = function () {
    const distance = Math.max(fitDistance(geometry.boundingBox, direction, camera.up, camera) * 1.1, radius * 0.1) * zoom
    camera.position.copy(direction).multiplyScalar(distance)
    camera.near = Math.max(distance / 1000, 1e-4)
    camera.far = distance + radius * 4
    camera.updateProjectionMatrix()
    camera.lookAt(0, 0, 0)
  }
  place()

  const controls = new OrbitControls(camera, renderer.domElement)
  controls.enableDamping = true
  controls.autoRotate = Boolean(config.autoRotate)
  controls.autoRotateSpeed = 2 * config.animationSpeed
  controls.target.set(0, 0, 0)
  controls.update()

  let dirty = true
  const redraw = function () { dirty = true }
  controls.addEventListener('change', redraw)

  const autoRotate = part(root, 'auto-rotate')
  if (autoRotate) {
    autoRotate.checked = controls.autoRotate
    autoRotate.addEventListener('change', function () { controls.autoRotate = autoRotate.checked })
  }
  renderer.domElement.addEventListener('dblclick', function () {
    controls.autoRotate = !controls.autoRotate
    if (autoRotate) autoRotate.checked = controls.autoRotate
  })
  const pointSize = part(root, 'point-size')
  if (pointSize) {
    pointSize.value = String(config.pointSize)
    pointSize.addEventListener('input', function () {
      material.size = Number(pointSize.value) * sizeUnit
      redraw()
    })
  }
  const reset = part(root, 'reset')
  if (reset) {
    reset.addEventListener('click', function () {
      controls.reset()
      place()
      controls.update()
      redraw()
    })
  }
  controls.saveState()

  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(function () {
      const now = size()
      renderer.setSize(now.width, now.height)
      camera.aspect = now.width / now.height
      camera.updateProjectionMatrix()
      redraw()
    }).observe(host)
  }

  let firstFrame = true
  const frame = function () {
    if (controls.update()) dirty = true
    if (dirty) {
      renderer.render(scene, camera)
      dirty = false
      if (firstFrame) {
        firstFrame = false
        root.dataset.points = String(count)
        root.dataset.state = 'ready'
        setStatus(root, count.toLocaleString('en-US') + ' points' + (hasColor ? '' : ' (no colours in the file)'))
      }
    }
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
}

for (const root of document.querySelectorAll('[data-kamui-viewer]')) {
  mount(root).catch(function (error) {
    root.dataset.state = 'error'
    setStatus(root, 'The point cloud could not be shown: ' + (error && error.message ? error.message : String(error)))
    console.error(error)
  })
}
`
